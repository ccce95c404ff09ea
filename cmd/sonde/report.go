package main

import (
	"fmt"
	"path/filepath"

	"github.com/sonde-bench/sonde/internal/report"
)

// reportCmd is `sonde report DIR…`: one self-contained HTML page.
type reportCmd struct {
	Dirs   []string `arg:"" type:"existingdir" help:"Run folders; several are compared side by side."`
	Output string   `name:"output" short:"o" placeholder:"FILE" help:"The page (default: report.html in the first folder)."`
}

func (c *reportCmd) Run(e env) error {
	out := c.Output
	if out == "" {
		out = filepath.Join(c.Dirs[0], "report.html")
	}
	if err := report.Write(c.Dirs, out, e.Version); err != nil {
		return usageError{Err: fmt.Errorf("sonde report: %w", err)}
	}
	fmt.Fprintln(e.Stdout, "Report:", out)
	return nil
}
