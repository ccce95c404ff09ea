package ui

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Live is what the dashboard shows beyond the progress: percentiles of
// the latest requests, the output rate, errors by type, and sonde's own
// CPU share (the client must not be the bottleneck).
type Live struct {
	P50, P90, P99 map[string]float64 // by metric tag, display units
	ErrorTypes    map[string]int64   // by error type
	OutputTPS     float64
	ClientCPUPct  float64
}

// Snapshot is one refresh of the dashboard.
type Snapshot struct {
	Status
	Live
}

type tick struct{}

type dashboard struct {
	snap   func() Snapshot
	last   Snapshot
	width  int
	signal func() // what ctrl+c does: the run's own interrupt
}

func (d *dashboard) Init() tea.Cmd { return d.next() }

func (d *dashboard) next() tea.Cmd {
	return tea.Tick(250*time.Millisecond, func(time.Time) tea.Msg { return tick{} })
}

func (d *dashboard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case tick:
		d.last = d.snap()
		return d, d.next()
	case quitAfterLastFrame:
		d.last = d.snap()
		return d, tea.Quit
	case tea.WindowSizeMsg:
		d.width = m.Width
	case tea.KeyPressMsg:
		if s := m.String(); s == "ctrl+c" || s == "q" {
			d.signal() // as a Ctrl-C outside the dashboard: finish in-flight requests, write everything
		}
	}
	return d, nil
}

var (
	titleStyle = lipgloss.NewStyle().Bold(true)
	boxStyle   = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	dimStyle   = lipgloss.NewStyle().Faint(true)
	warnStyle  = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
)

// Render draws a snapshot (also what the tests look at).
func (s Snapshot) Render(width int) string {
	var b strings.Builder
	b.WriteString(titleStyle.Render("sonde | "+s.Phase) + "\n")
	b.WriteString(progressLine(s.Status, max(width, 60)) + "\n\n")
	lat := []string{"metric", "p50", "p90", "p99"}
	rows := [][]string{lat}
	for _, m := range []struct{ tag, name string }{{"time_to_first_token", "TTFT (ms)"}, {"inter_token_latency", "ITL (ms)"},
		{"request_latency", "Latency (ms)"}, {"schedule_lag", "Schedule lag (ms)"}} {
		row := []string{m.name, "-", "-", "-"}
		if v, ok := s.P50[m.tag]; ok {
			row[1], row[2], row[3] = fmt.Sprintf("%.2f", v), fmt.Sprintf("%.2f", s.P90[m.tag]), fmt.Sprintf("%.2f", s.P99[m.tag])
		}
		rows = append(rows, row)
	}
	b.WriteString(boxStyle.Render("Latest requests\n"+table(rows)) + "\n")
	load := fmt.Sprintf("Requests done  %d\nIn flight      %d\nOutput tok/s   %.0f (last 10 s)\nsonde CPU      %.0f %%",
		s.RequestsDone, s.InFlight, s.OutputTPS, s.ClientCPUPct)
	if s.ClientCPUPct > 85 {
		load += "\n" + warnStyle.Render("sonde is near its CPU limit: the client may be the bottleneck")
	}
	b.WriteString(boxStyle.Render("Load\n"+load) + "\n")
	errs := dimStyle.Render("none")
	if len(s.ErrorTypes) > 0 {
		var lines []string
		for _, k := range slices.Sorted(maps.Keys(s.ErrorTypes)) {
			lines = append(lines, fmt.Sprintf("%-28s %d", k, s.ErrorTypes[k]))
		}
		errs = strings.Join(lines, "\n")
	}
	b.WriteString(boxStyle.Render(fmt.Sprintf("Errors (%d)\n", s.Status.Errors)+errs) + "\n")
	b.WriteString(dimStyle.Render("Ctrl-C or q: stop, finish the requests in flight, write every file"))
	return b.String()
}

func progressLine(s Status, width int) string {
	line := Render(s)
	if len(line) > width {
		return line[:width]
	}
	return line
}

// table aligns rows in columns.
func table(rows [][]string) string {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i == 0 {
				fmt.Fprintf(&b, "%-*s", widths[i]+2, c)
			} else {
				fmt.Fprintf(&b, "%*s", widths[i]+2, c)
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (d *dashboard) View() tea.View {
	v := tea.NewView(d.last.Render(d.width))
	v.AltScreen = true
	return v
}

// Dashboard shows the full-screen live view on the terminal out (keys
// from in, nil for none) until ctx ends, polling snap four times a second.
// The console holds its log lines meanwhile and prints them after.
func Dashboard(ctx context.Context, c *Console, in io.Reader, out io.Writer, snap func() Snapshot) {
	c.hold()
	defer c.release()
	d := &dashboard{snap: snap, last: snap(), signal: interrupt}
	opts := []tea.ProgramOption{tea.WithOutput(out), tea.WithoutSignalHandler(), tea.WithContext(context.WithoutCancel(ctx))}
	if in == nil {
		opts = append(opts, tea.WithInput(nil))
	} else {
		opts = append(opts, tea.WithInput(in))
	}
	p := tea.NewProgram(d, opts...)
	go func() {
		<-ctx.Done()
		p.Send(quitAfterLastFrame{})
	}()
	p.Run()
}

// interrupt sends this process the SIGINT a Ctrl-C would (the terminal is
// raw while the dashboard runs, so Ctrl-C arrives as a key).
func interrupt() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Signal(os.Interrupt)
	}
}

// quitAfterLastFrame ends the dashboard after one last snapshot.
type quitAfterLastFrame struct{}
