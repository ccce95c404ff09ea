package config

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

// templates are sonde's own config files for `sonde config init`.
//
//go:embed templates/*.yaml
var templates embed.FS

// Templates are the names of the config templates.
func Templates() []string {
	entries, _ := fs.ReadDir(templates, "templates")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(out)
	return out
}

// Template is the text of the template name.
func Template(name string) ([]byte, error) {
	b, err := templates.ReadFile("templates/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no template named %q: %s", name, strings.Join(Templates(), ", "))
	}
	return b, nil
}

// SearchTemplates are the templates whose name or description holds word.
func SearchTemplates(word string) []string {
	var out []string
	for _, name := range Templates() {
		b, _ := Template(name)
		if strings.Contains(strings.ToLower(name+" "+firstLine(b)), strings.ToLower(word)) {
			out = append(out, name)
		}
	}
	return out
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

var (
	modelRef = regexp.MustCompile(`\$\{MODEL:[^}]*\}`)
	urlRef   = regexp.MustCompile(`\$\{URL:[^}]*\}`)
)

// WithTarget is a template with its model and URL given (aiperf config
// init --model --url): they replace the environment references.
func WithTarget(text []byte, model, url string) []byte {
	s := string(text)
	if model != "" {
		s = modelRef.ReplaceAllLiteralString(s, model)
	}
	if url != "" {
		s = urlRef.ReplaceAllLiteralString(s, url)
	}
	return []byte(s)
}
