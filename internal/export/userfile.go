package export

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteUserFile writes a file of the user's (--user-file) at rel inside
// the run's folder, making its folders; a path that would leave the
// folder, through ".." or a symbolic link on the way, is refused.
func WriteUserFile(dir, rel string, data []byte) error {
	target := filepath.Join(dir, filepath.FromSlash(rel))
	if !within(dir, target) {
		return fmt.Errorf("user file %s: outside the run's folder", rel)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("user file %s: %w", rel, err)
	}
	root, err1 := filepath.EvalSymlinks(dir)
	parent, err2 := filepath.EvalSymlinks(filepath.Dir(target))
	if err1 != nil || err2 != nil || !within(root, filepath.Join(parent, filepath.Base(target))) {
		return fmt.Errorf("user file %s: a symbolic link leads outside the run's folder", rel)
	}
	if fi, err := os.Lstat(target); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("user file %s: is a symbolic link", rel)
	}
	if err := os.WriteFile(target, data, 0o644); err != nil {
		return fmt.Errorf("user file %s: %w", rel, err)
	}
	return nil
}

// within: path is dir or below it.
func within(dir, path string) bool {
	r, err := filepath.Rel(dir, path)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}
