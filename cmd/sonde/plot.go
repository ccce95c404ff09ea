package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sonde-bench/sonde/internal/plot"
)

// plotCmd is `sonde plot DIR…`: PNG and SVG charts of one run, or of
// several on the same charts.
type plotCmd struct {
	Dirs   []string `arg:"" type:"existingdir" help:"Run folders (or a sweep's folder); several are drawn on the same charts."`
	Output string   `name:"output" short:"o" placeholder:"DIR" help:"Where the charts go (default: the first folder's plots)."`
	Prefix string   `name:"profile-export-prefix" help:"The runs' --profile-export-prefix, if any."`
}

func (c *plotCmd) run(e env) error {
	out := c.Output
	if out == "" {
		out = filepath.Join(c.Dirs[0], "plots")
	}
	return drawPlots(e, c.Dirs, c.Prefix, out)
}

func drawPlots(e env, dirs []string, prefix, out string) error {
	var runs []*plot.Run
	for _, d := range dirs {
		r, err := plot.Load(d, prefix)
		if err != nil {
			return usageError{Err: fmt.Errorf("sonde plot: %w", err)}
		}
		runs = append(runs, r)
	}
	names, err := plot.Write(runs, out)
	fmt.Fprintf(e.Stdout, "Plots (%s): %s in %s\n", strings.Join(plot.Formats, ", "), strings.Join(names, ", "), out)
	return err
}
