package plan

import (
	"os"
	"path/filepath"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
)

// Env is what resolving a plan reads of the process, injected so that
// tests resolve in-process: the command line (for the run's description),
// the environment, the folder relative paths are under, the clock.
type Env struct {
	Args    []string // the command line after the program name
	Getenv  func(string) string
	Secrets *config.Secrets // redacted from the recorded command line
	// Dir, when set, is the folder relative paths are read and written in.
	Dir     string
	Now     func() time.Time // the run clock's wall time
	Version string           // sonde's, sent in User-Agent
}

// withDefaults fills what a caller left unset: the process's environment
// and the wall clock.
func (e Env) withDefaults() Env {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	return e
}

// under resolves a relative path against Dir.
func (e Env) under(path string) string {
	if e.Dir == "" || path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(e.Dir, path)
}

// Under is path under the Env's folder (see Dir).
func (e Env) Under(path string) string { return e.under(path) }

// UsageError is bad input: flags, files, URLs (exit code 2). Nothing has
// been sent when it is returned.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }
