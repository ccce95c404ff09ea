package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/sonde-bench/sonde/internal/calibrate"
)

// calibrateCmd is `sonde calibrate`: this machine's client ceilings,
// measured against an in-process loopback server.
type calibrateCmd struct {
	Quick bool `help:"A short calibration (about a second) instead of the full one (about 15 s)."`
}

func (c *calibrateCmd) run(e env) error {
	o := calibrate.Default()
	if c.Quick {
		o = calibrate.Options{Streams: 2, Tokens: 1000, Rates: []float64{500, 1000, 2000}, RateSeconds: 0.3, HeldStreams: [2]int{100, 300}}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := calibrate.Run(ctx, o, e.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprint(e.Stdout, rep.Table())
	return nil
}
