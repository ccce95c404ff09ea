package plot

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/sonde-bench/sonde/internal/export"
)

// RunFolders are the folders to draw (./artifacts when none is given, as
// aiperf plot): a folder that is no run itself but holds runs stands for
// them (aiperf plot's multi-run mode).
func RunFolders(given []string) ([]string, error) {
	var dirs []string
	for _, d := range given {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%s is not a folder", d)
		}
		if isRun(d) {
			dirs = append(dirs, d)
			continue
		}
		entries, _ := os.ReadDir(d)
		var inner []string
		for _, en := range entries {
			if sub := filepath.Join(d, en.Name()); en.IsDir() && isRun(sub) {
				inner = append(inner, sub)
			}
		}
		if len(inner) == 0 {
			inner = []string{d} // plot.Load says what it lacks
		}
		sort.Strings(inner)
		dirs = append(dirs, inner...)
	}
	return dirs, nil
}

// isRun: a folder with a run's inputs (whatever its files' prefix) or a
// sweep's aggregate.
func isRun(dir string) bool {
	for _, name := range []string{export.Files{Dir: dir}.Inputs(), filepath.Join(dir, "sweep_aggregate")} {
		if _, err := os.Stat(name); err == nil {
			return true
		}
	}
	return false
}

// LoadError is a run folder that could not be read: bad input.
type LoadError struct{ Err error }

func (e LoadError) Error() string { return e.Err.Error() }
func (e LoadError) Unwrap() error { return e.Err }

// Draw loads the runs of dirs and draws them on the same charts into out;
// it returns the charts' names. A folder that cannot be read is a
// LoadError, before anything is drawn.
func Draw(dirs []string, prefix, out string, theme Theme) ([]string, error) {
	var runs []*Run
	for _, d := range dirs {
		r, err := Load(d, prefix)
		if err != nil {
			return nil, LoadError{err}
		}
		runs = append(runs, r)
	}
	return Write(runs, out, theme)
}
