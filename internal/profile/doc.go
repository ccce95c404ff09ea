// Package profile runs one `sonde profile`: it resolves the flags and the
// dataset into a plan, starts the pipeline and the engine for the warmup and
// profiling phases, and writes every export. cmd/sonde only parses flags,
// calls Run and maps its error to an exit code.
package profile

import (
	"errors"
	"io"
	"path/filepath"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/transport"
)

// Env is the process state a run uses, injected so that tests run the CLI
// in-process.
type Env struct {
	Args    []string // the command line after the program name
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Version string
	// Dir, when set, is the folder relative paths are read and written in
	// (the artifact folder, input files): a test's filesystem root.
	Dir string
	// Clock, when set, gives the run clock (clock.New otherwise).
	Clock func() clock.Clock
	// Shared, when set, lets successive runs share one client and its
	// open keep-alive connections (the probes of a capacity search).
	Shared *Connections
}

// Connections is a client kept from one run to the next, with the clock
// its times are on.
type Connections struct {
	clk    clock.Clock
	client *transport.Client
}

// Close closes the shared client's idle connections.
func (c *Connections) Close() {
	if c.client != nil {
		c.client.CloseIdle()
	}
}

// under resolves a relative path against Dir.
func (e Env) under(path string) string {
	if e.Dir == "" || path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(e.Dir, path)
}

func (e Env) clock() clock.Clock {
	if e.Clock != nil {
		return e.Clock()
	}
	return clock.New()
}

// UsageError is bad input: flags, files, URLs (exit code 2). Nothing has
// been sent when it is returned.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// ErrInterrupted is returned when the user stopped the run (SIGINT, SIGTERM,
// SIGHUP); the exports were still written.
var ErrInterrupted = errors.New("interrupted")
