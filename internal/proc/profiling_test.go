package proc

import (
	"os"
	"path/filepath"
	"testing"
)

// The profiles are written where asked, around f, whose exit code comes
// back; a profile that cannot be started is an error and f does not run.
func TestProfiled(t *testing.T) {
	dir := t.TempDir()
	cpu, tr, heap := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "trace.out"), filepath.Join(dir, "heap.pprof")
	code, err := Profiled(cpu, tr, func() int { WriteHeapProfile(heap); return 3 })
	if err != nil || code != 3 {
		t.Fatalf("code %d, %v", code, err)
	}
	for _, path := range []string{cpu, tr, heap} {
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", path, err)
		}
	}
	if code, err := Profiled("", "", func() int { return 0 }); err != nil || code != 0 {
		t.Errorf("no profile: %d %v", code, err)
	}
	ran := false
	for _, paths := range [][2]string{{filepath.Join(dir, "no", "cpu"), ""}, {"", filepath.Join(dir, "no", "trace")}} {
		if _, err := Profiled(paths[0], paths[1], func() int { ran = true; return 0 }); err == nil {
			t.Errorf("%v: a profile in a missing folder started", paths)
		}
	}
	if ran {
		t.Error("f ran although its profile could not start")
	}
	WriteHeapProfile(filepath.Join(dir, "no", "heap")) // says so on stderr, never panics
}
