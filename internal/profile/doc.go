// Package profile runs one `sonde profile`: it resolves the flags and the
// dataset into a plan, starts the pipeline and the engine for the warmup and
// profiling phases, and writes every export. cmd/sonde only parses flags,
// calls Run and maps its error to an exit code.
package profile

import (
	"errors"
	"io"
)

// Env is the process state a run uses, injected so that tests run the CLI
// in-process.
type Env struct {
	Args    []string // the command line after the program name
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Version string
}

// UsageError is bad input: flags, files, URLs (exit code 2). Nothing has
// been sent when it is returned.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// ErrInterrupted is returned when the user stopped the run (SIGINT, SIGTERM,
// SIGHUP); the exports were still written.
var ErrInterrupted = errors.New("interrupted")
