package export

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A held folder refuses a second claim until released; a claim removes an
// earlier run's files (default names and the prefix's) and nothing else.
func TestClaimFolder(t *testing.T) {
	f := Files{Dir: filepath.Join(t.TempDir(), "run"), Prefix: "p"}
	os.MkdirAll(f.Dir, 0o755)
	for _, name := range []string{"outputs.json", "p_outputs.json", "p.jsonl", "mine.txt"} {
		os.WriteFile(filepath.Join(f.Dir, name), nil, 0o644)
	}
	c, cleared, err := ClaimFolder(f, "run-a", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(cleared) != 3 {
		t.Errorf("cleared %v", cleared)
	}
	if _, err := os.Stat(filepath.Join(f.Dir, "mine.txt")); err != nil {
		t.Error("a file no run writes was removed")
	}
	if _, _, err := ClaimFolder(f, "run-b", time.Unix(0, 0)); !errors.Is(err, ErrFolderInUse) {
		t.Fatalf("second claim: %v", err)
	}
	c.Release()
	c.Release() // twice is harmless
	c2, _, err := ClaimFolder(f, "run-c", time.Unix(0, 0))
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	c2.Release()
	if b, _ := os.ReadFile(filepath.Join(f.Dir, LockName)); len(b) == 0 {
		t.Error("the lock file does not name the run")
	}
}

// A records file whose writes fail counts every record it could not keep,
// and its error says how many.
func TestRecordWriterCountsLostRecords(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	path := filepath.Join(t.TempDir(), "profile_export.jsonl")
	os.Symlink("/dev/full", path)
	_, recs, vals := goldenRun()
	w := NewRecordWriter(path)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		w.Put(recs[i], vals[i])
	}
	if err := w.Flush(); err == nil || w.Lost() != len(recs) {
		t.Fatalf("flush: %v, lost %d of %d", err, w.Lost(), len(recs))
	}
	w.Put(recs[0], vals[0])
	if err := w.Close(); err == nil || w.Lost() != len(recs)+1 || !strings.Contains(err.Error(), "records could not be written") {
		t.Errorf("close: %v, lost %d", err, w.Lost())
	}
}
