package tokenizer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Resolution says which tokenizer --tokenizer selected and why.
type Resolution struct {
	Tokenizer *BPE
	Requested string
	// Path is the tokenizer file or folder loaded; empty for builtin.
	Path string
	// Fallback is why the builtin tokenizer is used instead of the one
	// requested, in a few words; empty when the request was honoured.
	Fallback string
	// Detail is the full error behind a short Fallback (a DNS failure's
	// text), for the log at debug level.
	Detail string
}

// placeholderModels are model names that never have a tokenizer; AIPerf
// switches them to builtin with a warning.
var placeholderModels = map[string]bool{"mock-model": true, "test-model": true, "fake-model": true}

// ErrNotFound means a name is neither a local path nor in the HF cache.
var ErrNotFound = errors.New("not found")

// ResolveOptions say where --tokenizer may come from.
type ResolveOptions struct {
	Name     string // --tokenizer, or the model name
	Explicit bool   // given with --tokenizer: failures are errors, not fallbacks
	Revision string // --tokenizer-revision
	Getenv   func(string) string
	Now      func() time.Time // when the Hub was last unreachable is judged by it; time.Now if nil
}

// Resolve loads the tokenizer named by --tokenizer (or the model name):
// "builtin"; a local tokenizer.json file or folder; a Hugging Face repo in
// the local cache; or, unless offline, one downloaded from the Hub (a bare
// name is looked up first). An explicit --tokenizer that cannot be loaded is
// an error; the model name used by default falls back to builtin, saying why.
func Resolve(o ResolveOptions) (*Resolution, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	name := o.Name
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
		return useBuiltin("a placeholder model name with no tokenizer")
	}
	if _, err := os.Stat(name); err == nil {
		t, err := LoadCached(name, CacheDir(getenv))
		if err != nil {
			return nil, fmt.Errorf("--tokenizer %s: %w", name, err)
		}
		res.Tokenizer, res.Path = t, name
		return res, nil
	}
	fail := func(err error) (*Resolution, error) {
		if o.Explicit {
			return nil, fmt.Errorf("--tokenizer %s: %w", name, err)
		}
		return useBuiltin(err.Error())
	}
	path, err := FindInHFCache(name, getenv)
	if err != nil {
		if path, err = o.lookUp(name, getenv, res); err != nil {
			return fail(err)
		}
	}
	t, err := LoadCached(path, CacheDir(getenv))
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	res.Tokenizer, res.Path = t, path
	return res, nil
}

// lookUp asks the Hub for a tokenizer not in the local cache, unless the
// environment forbids it or the Hub was unreachable moments ago; a Hub that
// cannot be reached gives a short reason, its error going to res.Detail.
func (o ResolveOptions) lookUp(name string, getenv func(string) string, res *Resolution) (string, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if Offline(getenv) {
		return "", errors.New("not in the Hugging Face cache, and HF_HUB_OFFLINE is set")
	}
	endpoint := NewHub(getenv).Endpoint
	if ago, ok := recentlyUnreachable(getenv, endpoint, now()); ok {
		return "", fmt.Errorf("not in the Hugging Face cache, and %s was unreachable %s ago (tried again %s after that)",
			hostOf(endpoint), ago.Round(time.Second), unreachableFor)
	}
	path, err := fromHub(name, o.Revision, getenv)
	switch {
	case err == nil:
		forgetUnreachable(getenv)
	case isUnreachable(err):
		noteUnreachable(getenv, endpoint, now())
		res.Detail = err.Error()
		return "", errors.New(unreachableReason(endpoint))
	}
	return path, err
}

// fromHub finds name on the Hub (a bare name is searched first) and returns
// its cached tokenizer.json, downloading it if needed.
func fromHub(name, revision string, getenv func(string) string) (string, error) {
	hub := NewHub(getenv)
	repo := name
	if !strings.Contains(name, "/") {
		var err error
		if repo, err = hub.Search(name); err != nil {
			return "", err
		}
		if path, err := FindInHFCache(repo, getenv); err == nil {
			return path, nil
		}
	}
	return hub.Download(repo, revision)
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
