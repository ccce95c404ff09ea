// Package profile runs one `sonde profile` and only orchestrates: it
// resolves the flags into a plan (internal/plan), claims the run's folder,
// sets up the client (internal/client) and the outputs with the record
// pipeline (internal/output), runs the warm-up and profiling phases
// (internal/engine), and writes the summary and every export. cmd/sonde
// only parses flags, calls Run and maps its error to an exit code.
package profile

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sonde-bench/sonde/internal/client"
	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/sim"
)

// Env is the process state a run uses, injected so that tests run the CLI
// in-process.
type Env struct {
	Args    []string // the command line after the program name
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Version string
	// Secrets are replaced in everything the run writes: Stdout and Stderr
	// come already wrapped; the log file is wrapped as it is opened.
	Secrets *config.Secrets
	// Dir, when set, is the folder relative paths are read and written in
	// (the artifact folder, input files): a test's filesystem root.
	Dir string
	// Clock, when set, gives the run clock (clock.New otherwise).
	Clock func() clock.Clock
	// Shared, when set, lets successive runs share one client and its
	// open keep-alive connections (the probes of a capacity search).
	Shared *Connections
	// Signals, when set, delivers the interruptions a run stops on in
	// place of the process's SIGINT, SIGTERM and SIGHUP; it returns what
	// stops the delivery. Tests interrupt a run in-process with it.
	Signals func(c chan<- os.Signal) (stop func())
	// Stdin, when set, is where the dashboard reads its keys (the
	// terminal's os.Stdin otherwise).
	Stdin io.Reader
	// Twin, when set, makes every run a prediction (sonde predict, sonde
	// plan): simulated against the twin in virtual time, never sent.
	Twin *Twin
}

// Twin is a fitted twin, the file it came from, and how many simulations
// with drawn costs give a prediction its intervals (0: none, as for a
// capacity search's probes).
type Twin struct {
	Model *sim.Twin
	Path  string
	Draws int
}

// notify delivers the interruptions to c until stop is called.
func (e Env) notify(c chan<- os.Signal) (stop func()) {
	if e.Signals != nil {
		return e.Signals(c)
	}
	// SIGHUP (a dropped SSH session) is an interruption like the others:
	// what was measured is written, not lost.
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	return func() { signal.Stop(c) }
}

// NotifyContext is ctx, ended by the first interruption (a study's runs
// each see it too).
func (e Env) NotifyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	c := make(chan os.Signal, 1)
	stop := e.notify(c)
	go func() {
		select {
		case <-c:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() { stop(); cancel() }
}

// Connections is a client kept from one run to the next, with the clock
// its times are on.
type Connections = client.Shared

// under resolves a relative path against Dir.
func (e Env) under(path string) string { return plan.Env{Dir: e.Dir}.Under(path) }

func (e Env) clock() clock.Clock {
	if e.Clock != nil {
		return e.Clock()
	}
	return clock.New()
}

// ErrInterrupted is returned when the user stopped the run (SIGINT, SIGTERM,
// SIGHUP); the exports were still written.
var ErrInterrupted = errors.New("interrupted")
