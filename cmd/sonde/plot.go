package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/export"
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

func (c *plotCmd) run(e env) error {
	given := append(c.Dirs, c.Paths...)
	if len(given) == 0 {
		given = []string{"artifacts"}
	}
	dirs, err := runFolders(given)
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
	return serveDashboard(e, out, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
}

// runFolders are the folders to draw (./artifacts when none is given, as
// aiperf plot): a folder that is no run itself but holds runs stands for
// them (aiperf plot's multi-run mode).
func runFolders(given []string) ([]string, error) {
	var dirs []string
	for _, d := range given {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%s is not a folder", d)
		}
		if isRun(d) {
			dirs = append(dirs, d)
			continue
		}
		entries, _ := os.ReadDir(d)
		var inner []string
		for _, en := range entries {
			if sub := filepath.Join(d, en.Name()); en.IsDir() && isRun(sub) {
				inner = append(inner, sub)
			}
		}
		if len(inner) == 0 {
			inner = []string{d} // plot.Load says what it lacks
		}
		sort.Strings(inner)
		dirs = append(dirs, inner...)
	}
	return dirs, nil
}

// isRun: a folder with a run's inputs (whatever its files' prefix) or a
// sweep's aggregate.
func isRun(dir string) bool {
	for _, name := range []string{export.Files{Dir: dir}.Inputs(), filepath.Join(dir, "sweep_aggregate")} {
		if _, err := os.Stat(name); err == nil {
			return true
		}
	}
	return false
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

// serveDashboard serves dir (the report page and the charts) at addr until
// the first interruption.
func serveDashboard(e env, dir, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageError{Err: fmt.Errorf("sonde plot --dashboard: %w", err)}
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	ctx, stop := e.NotifyContext(context.Background())
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Fprintf(e.Stdout, "Dashboard: http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
