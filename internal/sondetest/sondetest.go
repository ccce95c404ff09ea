// Package sondetest holds what the packages' tests share: golden files,
// a buffer several goroutines may write, and the FFmpeg check.
package sondetest

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// update is the tests' -update flag: rewrite the golden files.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testdata is the test's package's testdata folder, made absolute before
// any test runs: a test may change its working folder (t.Chdir).
var testdata, _ = filepath.Abs("testdata")

// Golden compares got with testdata/name.golden, or rewrites it with
// -update.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	dir := testdata
	path := filepath.Join(dir, name+".golden")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the package's tests with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (if intended, run the package's tests with -update):\n%s", name, path, got)
	}
}

// Buffer is a bytes.Buffer several goroutines of a run may write.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// NeedFFmpeg skips a test whose media FFmpeg encodes when ffmpeg is not on
// PATH, but fails it in CI (SONDE_CI), which installs it.
func NeedFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("SONDE_CI") != "" {
			t.Fatal("ffmpeg is not on PATH, and CI installs it")
		}
		t.Skip("ffmpeg is not on PATH")
	}
}
