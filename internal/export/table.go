package export

import (
	"io"
	"strings"
	"unicode/utf8"
)

// table renders a box-drawn table like the rich tables of AIPerf's console
// (heavy head, light body); cells may span several lines.
type table struct {
	title   string
	headers []string
	rows    [][]string
	left    map[int]bool // columns aligned left; others right
}

func (t *table) render(w io.Writer) {
	n := len(t.headers)
	width := make([]int, n)
	measure := func(cells []string) {
		for i, c := range cells {
			for _, line := range strings.Split(c, "\n") {
				width[i] = max(width[i], utf8.RuneCountInString(line))
			}
		}
	}
	measure(t.headers)
	for _, r := range t.rows {
		measure(r)
	}
	total := 1
	for _, wd := range width {
		total += wd + 3
	}
	var b strings.Builder
	if t.title != "" {
		pad := max((total-utf8.RuneCountInString(t.title))/2, 0)
		b.WriteString(strings.Repeat(" ", pad) + t.title + "\n")
	}
	rule := func(l, m, r, h string) {
		b.WriteString(l)
		for i, wd := range width {
			b.WriteString(strings.Repeat(h, wd+2))
			if i < n-1 {
				b.WriteString(m)
			}
		}
		b.WriteString(r + "\n")
	}
	row := func(cells []string, sep string) {
		lines := 1
		split := make([][]string, n)
		for i := range n {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			split[i] = strings.Split(c, "\n")
			lines = max(lines, len(split[i]))
		}
		for l := range lines {
			b.WriteString(sep)
			for i := range n {
				c := ""
				if l < len(split[i]) {
					c = split[i][l]
				}
				gap := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
				if t.left[i] {
					b.WriteString(" " + c + gap + " ")
				} else {
					b.WriteString(" " + gap + c + " ")
				}
				b.WriteString(sep)
			}
			b.WriteString("\n")
		}
	}
	rule("┏", "┳", "┓", "━")
	row(t.headers, "┃")
	rule("┡", "╇", "┩", "━")
	for _, r := range t.rows {
		row(r, "│")
	}
	rule("└", "┴", "┘", "─")
	io.WriteString(w, b.String())
}
