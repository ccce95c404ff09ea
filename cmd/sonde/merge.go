package main

import (
	"fmt"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
)

// mergeCmd is `sonde merge DIR… -o OUT`: the shards of one run (each a run
// folder) become one run folder with the files a single run writes,
// computed from the union of their records (export.Merge).
type mergeCmd struct {
	Dirs    []string `arg:"" type:"existingdir" help:"The shards' run folders."`
	Out     string   `name:"output" short:"o" required:"" placeholder:"DIR" help:"The merged run's folder."`
	Goodput string   `name:"goodput" help:"SLOs for goodput, as for 'sonde profile --goodput'."`
	Prefix  string   `name:"profile-export-prefix" help:"The shards' --profile-export-prefix, if any."`
	Partial bool     `name:"allow-partial" help:"Merge the shards given although some of the run's are missing (the merged summary says which)."`
}

func (c *mergeCmd) Run(e env) error {
	var shards []*export.RunDir
	for _, d := range c.Dirs {
		rd, err := export.Open(d, c.Prefix)
		if err != nil {
			return usageError{Err: fmt.Errorf("sonde merge: %w", err)}
		}
		shards = append(shards, rd)
	}
	out := &export.RunDir{Files: export.Files{Dir: c.Out, Prefix: c.Prefix}}
	res, err := export.Merge(shards, out, export.RebuildOptions{Goodput: c.Goodput, CLICommand: config.RedactArgs(e.Args), Version: version, AllowPartial: c.Partial})
	if res == nil {
		return usageError{Err: fmt.Errorf("sonde merge: %w", err)}
	}
	export.Report(e.Stdout, out.Files, res.Summary, res.Run, res.Written)
	return err
}
