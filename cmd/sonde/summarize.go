package main

import (
	"fmt"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
)

// summarizeCmd is `sonde summarize DIR`: it rebuilds every summary export
// of a run from its profile_export.jsonl alone (export.Rebuild), so a run
// killed before it could write them is not lost.
type summarizeCmd struct {
	Dir     string `arg:"" type:"existingdir" help:"Run folder holding profile_export.jsonl."`
	Goodput string `name:"goodput" help:"SLOs for goodput, as for 'sonde profile --goodput' (the run's own are not in the records)."`
	Prefix  string `name:"profile-export-prefix" help:"The run's --profile-export-prefix, if it had one."`
}

func (c *summarizeCmd) Run(e env) error {
	rd, err := export.Open(c.Dir, c.Prefix)
	if err != nil {
		return usageError{Err: fmt.Errorf("sonde summarize: %w", err)}
	}
	res, err := export.Rebuild(rd, export.RebuildOptions{Goodput: c.Goodput, CLICommand: config.RedactArgs(e.Args), Version: version})
	if res == nil {
		return usageError{Err: fmt.Errorf("sonde summarize: %w", err)}
	}
	export.Report(e.Stdout, rd.Files, res.Summary, res.Run, res.Written)
	return err
}
