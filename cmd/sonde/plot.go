package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/plot"
	"github.com/sonde-bench/sonde/internal/report"
)

// plotCmd is `sonde plot [DIR…]`, with `aiperf plot`'s options: PNG and
// SVG charts of one run, or of several on the same charts; with
// --dashboard, the report page served on localhost.
type plotCmd struct {
	Dirs      []string `arg:"" optional:"" help:"Run folders (or a sweep's folder, or a folder of run folders); several are drawn on the same charts (default ./artifacts)."`
	Paths     []string `name:"paths" placeholder:"DIR" help:"More run folders, as aiperf plot --paths."`
	Output    string   `name:"output" short:"o" placeholder:"DIR" help:"Where the charts go (default: the first folder's plots)."`
	Prefix    string   `name:"profile-export-prefix" help:"The runs' --profile-export-prefix, if any."`
	Theme     string   `name:"theme" default:"light" enum:"light,dark" help:"The charts' page: light or dark."`
	Dashboard bool     `name:"dashboard" help:"Serve the runs' report page (sonde report) and the charts on --host:--port until interrupted."`
	Host      string   `name:"host" default:"127.0.0.1" help:"The dashboard's address."`
	Port      int      `name:"port" default:"8050" help:"The dashboard's port (0: any free one)."`
}

func (c *plotCmd) Run(e env) error {
	given := append(c.Dirs, c.Paths...)
	if len(given) == 0 {
		given = []string{"artifacts"}
	}
	dirs, err := plot.RunFolders(given)
	if err != nil {
		return usageError{Err: fmt.Errorf("sonde plot: %w", err)}
	}
	out := c.Output
	if out == "" {
		out = filepath.Join(given[0], "plots")
	}
	theme, _ := plot.ParseTheme(c.Theme)
	if err := drawPlots(e, dirs, c.Prefix, out, theme); err != nil || !c.Dashboard {
		return err
	}
	if err := report.Write(dirs, filepath.Join(out, "index.html"), e.Version); err != nil {
		return usageError{Err: fmt.Errorf("sonde plot --dashboard: %w", err)}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
	if err != nil {
		return usageError{Err: fmt.Errorf("sonde plot --dashboard: %w", err)}
	}
	ctx, stop := e.NotifyContext(context.Background())
	defer stop()
	fmt.Fprintf(e.Stdout, "Dashboard: http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	return report.Serve(ctx, ln, out)
}

func drawPlots(e env, dirs []string, prefix, out string, theme plot.Theme) error {
	var runs []*plot.Run
	for _, d := range dirs {
		r, err := plot.Load(d, prefix)
		if err != nil {
			return usageError{Err: fmt.Errorf("sonde plot: %w", err)}
		}
		runs = append(runs, r)
	}
	names, err := plot.Write(runs, out, theme)
	fmt.Fprintf(e.Stdout, "Plots (%s): %s in %s\n", strings.Join(plot.Formats, ", "), strings.Join(names, ", "), out)
	return err
}
