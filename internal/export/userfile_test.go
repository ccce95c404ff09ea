package export

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A user file lands inside the run's folder, or nowhere.
func TestWriteUserFile(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := WriteUserFile(dir, "a/b/c.txt", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a/b/c.txt")); string(b) != "x" {
		t.Errorf("wrote %q", b)
	}
	os.Symlink(outside, filepath.Join(dir, "link"))
	os.Symlink(filepath.Join(outside, "f"), filepath.Join(dir, "lf"))
	for rel, want := range map[string]string{"../x": "outside", "link/x": "symbolic link leads outside", "lf": "is a symbolic link"} {
		if err := WriteUserFile(dir, rel, []byte("y")); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", rel, err, want)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("wrote outside: %v", entries)
	}
}
