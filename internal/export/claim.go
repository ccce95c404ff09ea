package export

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockName is the file in a run folder that says which run holds it. It
// stays after the run (it names the last one); the lock on it is what
// counts, and the operating system drops it when the process ends, however
// it ends.
const LockName = ".sonde.lock"

// Claim is one run's hold on its folder: while it is held, another run
// given the same folder is refused instead of writing beside it. It also
// holds space for the summaries: a file of SummaryReserve bytes, removed
// just before they are written, so that records filling the disk never
// cost the summaries.
type Claim struct {
	f       *os.File
	reserve string
	// ReserveErr says why the space could not be held (a disk already
	// nearly full); the run goes on without it.
	ReserveErr error
}

// SummaryReserve is the space held for the summaries: a summary with a
// per-turn table, its CSVs, time slices and the server's metrics take a
// few hundred kilobytes.
const SummaryReserve = 8 << 20

const reserveName = ".sonde.reserve"

// FreeReserve gives the held space back, for the summaries.
func (c *Claim) FreeReserve() {
	if c != nil && c.reserve != "" {
		os.Remove(c.reserve)
		c.reserve = ""
	}
}

// holdSpace makes a file of size bytes whose blocks are allocated.
func holdSpace(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = allocate(f, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// ErrFolderInUse is the error of a folder another run holds.
var ErrFolderInUse = errors.New("the folder is in use by another sonde run")

// ClaimFolder creates f.Dir, takes its lock for runID, and removes what an
// earlier run left there (every file a run writes, under the default names
// and under f's prefix), so that the folder holds one run. cleared lists
// the files removed.
func ClaimFolder(f Files, runID string, now time.Time) (c *Claim, cleared []string, err error) {
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return nil, nil, err
	}
	lf, err := os.OpenFile(filepath.Join(f.Dir, LockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	if err := tryLock(lf); err != nil {
		holder, _ := os.ReadFile(lf.Name())
		lf.Close()
		return nil, nil, fmt.Errorf("%s: %w (%s): give each run its own --output-artifact-dir", f.Dir, ErrFolderInUse, strings.TrimSpace(string(holder)))
	}
	if err := lf.Truncate(0); err == nil {
		fmt.Fprintf(lf, "run %s, pid %d, since %s\n", runID, os.Getpid(), now.UTC().Format(time.RFC3339))
	}
	for _, files := range []Files{f, {Dir: f.Dir}} {
		for _, path := range files.written() {
			if os.Remove(path) == nil {
				cleared = append(cleared, filepath.Base(path))
			}
		}
	}
	c = &Claim{f: lf, reserve: filepath.Join(f.Dir, reserveName)}
	if c.ReserveErr = holdSpace(c.reserve, SummaryReserve); c.ReserveErr != nil {
		c.reserve = ""
	}
	return c, cleared, nil
}

// Release ends the hold (the lock file stays, naming the run).
func (c *Claim) Release() {
	c.FreeReserve()
	if c != nil && c.f != nil {
		unlock(c.f)
		c.f.Close()
		c.f = nil
	}
}

// written is every file a run writes into its folder.
func (f Files) written() []string {
	return []string{f.SummaryJSON(), f.SummaryCSV(), f.TurnsCSV(), f.Records(), f.Raw(), f.Inputs(), f.Log(),
		f.TimeslicesJSON(), f.TimeslicesCSV(), f.ServerMetricsJSON(), f.ServerMetricsCSV(), f.ServerMetricsJSONL(),
		f.GPUTelemetryJSON(), f.GPUTelemetryJSONL(), f.GPUTelemetryCSV(), f.NetworkLatency(), f.Outputs(),
		f.AdaptiveEvents(), f.AdaptiveSummary()}
}
