package main

import (
	"context"
	"fmt"

	"github.com/sonde-bench/sonde/internal/calibrate"
)

// calibrateCmd is `sonde calibrate`: this machine's client ceilings,
// measured against an in-process loopback server.
type calibrateCmd struct {
	Quick bool `help:"A short calibration (about a second) instead of the full one (about 15 s)."`
}

func (c *calibrateCmd) Run(e env) error {
	o := calibrate.Default()
	if c.Quick {
		o = calibrate.Quick()
	}
	ctx, stop := e.NotifyContext(context.Background())
	defer stop()
	rep, err := calibrate.Run(ctx, o, e.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprint(e.Stdout, rep.Table())
	return nil
}
