package tokenizer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Resolution says which tokenizer --tokenizer selected and why.
type Resolution struct {
	Tokenizer *BPE
	Requested string
	// Fallback is why the builtin tokenizer is used instead of the one
	// requested; empty when the request was honoured.
	Fallback string
}

// placeholderModels are model names that never have a tokenizer; AIPerf
// switches them to builtin with a warning.
var placeholderModels = map[string]bool{"mock-model": true, "test-model": true, "fake-model": true}

// ErrNotFound means a name is neither a local path nor in the HF cache.
var ErrNotFound = errors.New("not found")

// Resolve loads the tokenizer named by --tokenizer (or the model name):
// "builtin"; a local tokenizer.json file or folder; or a Hugging Face id found
// in the local Hugging Face cache. An explicit local path that fails to load
// is an error. Anything else falls back to builtin, saying why.
func Resolve(name string, getenv func(string) string) (*Resolution, error) {
	res := &Resolution{Requested: name}
	useBuiltin := func(why string) (*Resolution, error) {
		t, err := Builtin()
		if err != nil {
			return nil, err
		}
		res.Tokenizer, res.Fallback = t, why
		return res, nil
	}
	switch {
	case name == BuiltinName || name == "":
		res.Requested = BuiltinName
		return useBuiltin("")
	case placeholderModels[name]:
		return useBuiltin(fmt.Sprintf("%q is a placeholder model name with no tokenizer", name))
	}
	if _, err := os.Stat(name); err == nil {
		t, err := Load(name)
		if err != nil {
			return nil, fmt.Errorf("--tokenizer %s: %w", name, err)
		}
		res.Tokenizer = t
		return res, nil
	}
	path, err := FindInHFCache(name, getenv)
	if err == nil {
		t, err := Load(path)
		if err != nil {
			return useBuiltin(fmt.Sprintf("the cached tokenizer %s could not be loaded: %v", path, err))
		}
		res.Tokenizer = t
		return res, nil
	}
	return useBuiltin(fmt.Sprintf("tokenizer %q is not a local path and not in the Hugging Face cache (%v); downloading from the Hub is not supported yet", name, err))
}

// HFCacheDir is where Hugging Face keeps downloaded repos: $HF_HUB_CACHE,
// else $HF_HOME/hub, else ~/.cache/huggingface/hub.
func HFCacheDir(getenv func(string) string) string {
	if d := getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if d := getenv("HF_HOME"); d != "" {
		return filepath.Join(d, "hub")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

// FindInHFCache returns the tokenizer.json of repo "Org/Name" in the HF
// cache: the snapshot refs/main points to, else the newest one holding it.
func FindInHFCache(repo string, getenv func(string) string) (string, error) {
	if strings.Count(repo, "/") > 1 || strings.Contains(repo, "..") {
		return "", fmt.Errorf("%q is not a Hugging Face repo id: %w", repo, ErrNotFound)
	}
	dir := filepath.Join(HFCacheDir(getenv), "models--"+strings.ReplaceAll(repo, "/", "--"))
	if ref, err := os.ReadFile(filepath.Join(dir, "refs", "main")); err == nil {
		p := filepath.Join(dir, "snapshots", strings.TrimSpace(string(ref)), "tokenizer.json")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*", "tokenizer.json"))
	if len(snaps) == 0 {
		return "", fmt.Errorf("looked in %s: %w", dir, ErrNotFound)
	}
	sort.Slice(snaps, func(i, j int) bool {
		a, _ := os.Stat(snaps[i])
		b, _ := os.Stat(snaps[j])
		return a.ModTime().After(b.ModTime())
	})
	return snaps[0], nil
}
