package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A tokenizer.json loads compiled from the cache after its first load, and
// encodes exactly as the file does; a damaged cache entry is passed over
// and rewritten; an unwritable cache still loads the tokenizer.
func TestLoadCached(t *testing.T) {
	folder := filepath.Join(testdataDir(t, "qwen3"), "qwen3")
	dir := t.TempDir()
	want, err := Load(folder) // tokenizer.json, or .json.gz in the repository
	if err != nil {
		t.Fatal(err)
	}
	src := want.Name()
	text := "Hello, world! ¿Qué tal? 你好 <|im_start|>user\n  spaced   out\t42"
	check := func(tok *BPE) {
		t.Helper()
		if !slices.Equal(tok.Encode(text), want.Encode(text)) || tok.Name() != src || tok.Count(text) != want.Count(text) {
			t.Fatalf("the cached tokenizer differs: %v / %v", tok.Encode(text), want.Encode(text))
		}
	}
	first, err := LoadCached(src, dir)
	if err != nil {
		t.Fatal(err)
	}
	check(first)
	entries, _ := filepath.Glob(filepath.Join(dir, "*.tok"))
	if len(entries) != 1 {
		t.Fatalf("cache holds %v", entries)
	}
	b, _ := os.ReadFile(entries[0])
	if !strings.HasPrefix(string(b), compiledMagic) {
		t.Fatal("the cache entry is not a compiled tokenizer")
	}
	second, err := LoadCached(folder, dir) // the folder: the same file, the same entry
	if err != nil {
		t.Fatal(err)
	}
	check(second)
	os.WriteFile(entries[0], []byte(compiledMagic+"garbage"), 0o644)
	third, err := LoadCached(src, dir)
	if err != nil {
		t.Fatal(err)
	}
	check(third)
	if b, _ := os.ReadFile(entries[0]); len(b) < 1000 {
		t.Error("a damaged entry was not rewritten")
	}
	blocked := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocked, nil, 0o644)
	if tok, err := LoadCached(src, filepath.Join(blocked, "sub")); err != nil {
		t.Fatal(err)
	} else {
		check(tok)
	}
	if _, err := LoadCached(filepath.Join(t.TempDir(), "none.json"), dir); err == nil {
		t.Error("a missing file loaded")
	}
}

func TestCacheDir(t *testing.T) {
	for env, want := range map[string]string{"SONDE_CACHE_DIR=/c": "/c/tokenizers", "SONDE_CACHE_DIR=off": "", "XDG_CACHE_HOME=/x": "/x/sonde/tokenizers",
		"HOME=/h": "/h/.cache/sonde/tokenizers", "": ""} {
		k, v, _ := strings.Cut(env, "=")
		if got := CacheDir(func(s string) string {
			if s == k {
				return v
			}
			return ""
		}); got != want {
			t.Errorf("%s: %q, want %q", env, got, want)
		}
	}
}
