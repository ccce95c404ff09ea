// Package remote brings a dataset named by URL — hf://org/repo[@rev][/path],
// s3://bucket/key, http(s)://… — into sonde's cache once, pinned to the
// revision it resolved and checked by size and SHA-256, so later runs read
// it offline and reproduce the same bytes.
package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// IsRemote reports whether an --input-file names a remote dataset.
func IsRemote(s string) bool {
	for _, p := range []string{"hf://", "s3://", "http://", "https://"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Options say where the cache is and how to reach the sources.
type Options struct {
	Getenv func(string) string
	Client *http.Client // nil: one with connect and download timeouts
	Info   func(string) // what was fetched or reused; may be nil
	// Select narrows an hf:// repository to a subset and split (nil: all
	// its data files under the path).
	Select *Selection
	// Name is what errors call the ref ("--input-file REF" when empty).
	Name string
}

// what names ref in an error.
func (o Options) what(ref string) string {
	if o.Name != "" {
		return o.Name
	}
	return "--input-file " + ref
}

// pin is a cached fetch: what it was, the revision it resolved to, and
// each file's size and SHA-256.
type pin struct {
	Ref      string     `json:"ref"`
	Revision string     `json:"revision"`
	Files    []pinnedAt `json:"files"`
	Fetched  time.Time  `json:"fetched"`
}

type pinnedAt struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// source resolves a ref to its revision and the files to get.
type source interface {
	resolve(ctx context.Context) (revision string, files []remoteFile, err error)
}

type remoteFile struct {
	name, url string
	header    http.Header
	sha256    string // the source's own hash, when it gives one
}

// Fetch returns the local path of ref: a file, or a folder when the ref
// names several files. Offline ($SONDE_OFFLINE, $HF_HUB_OFFLINE) only the
// cache is read; online, a ref without a pinned revision resolves it
// (hf:// main → its commit) and reuses the cache when that revision is
// there.
func Fetch(ctx context.Context, ref string, o Options) (string, error) {
	o = o.withDefaults()
	src, err := parse(ref, o)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cacheRoot(o.Getenv), "datasets", key(ref+o.Select.String()))
	if offline(o.Getenv) {
		p, ok := readPin(dir)
		if !ok {
			return "", fmt.Errorf("%s: offline ($SONDE_OFFLINE or $HF_HUB_OFFLINE) and not in the cache (%s): run once online to fetch it", o.what(ref), dir)
		}
		o.info(fmt.Sprintf("%s: offline, the cached revision %s", ref, p.Revision))
		return p.path(dir)
	}
	rev, files, err := src.resolve(ctx)
	if err != nil {
		if p, ok := readPin(dir); ok && isUnreachable(err) {
			o.info(fmt.Sprintf("%s: unreachable (%v); the cached revision %s", ref, err, p.Revision))
			return p.path(dir)
		}
		return "", fmt.Errorf("%s: %w", o.what(ref), err)
	}
	if p, ok := readPin(dir); ok && p.Revision == rev && p.intact(dir) == nil {
		o.info(fmt.Sprintf("%s: revision %s, from the cache", ref, rev))
		return p.path(dir)
	}
	p := pin{Ref: ref, Revision: rev, Fetched: time.Now().UTC()}
	for _, f := range files {
		got, err := download(ctx, o.Client, f, dir)
		if err != nil {
			return "", fmt.Errorf("%s: %s: %w", o.what(ref), f.name, err)
		}
		p.Files = append(p.Files, got)
	}
	if err := writePin(dir, p); err != nil {
		return "", err
	}
	o.info(fmt.Sprintf("%s: revision %s fetched into %s", ref, rev, dir))
	return p.path(dir)
}

func (o Options) withDefaults() Options {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Client == nil {
		tr := &http.Transport{Proxy: http.ProxyFromEnvironment, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 30 * time.Second}
		o.Client = &http.Client{Transport: tr}
	}
	return o
}

func (o Options) info(s string) {
	if o.Info != nil {
		o.Info(s)
	}
}

// cacheRoot is $SONDE_CACHE_DIR, else $XDG_CACHE_HOME/sonde, else
// ~/.cache/sonde.
func cacheRoot(getenv func(string) string) string {
	if d := getenv("SONDE_CACHE_DIR"); d != "" {
		return d
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "sonde")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".cache", "sonde")
}

func offline(getenv func(string) string) bool {
	for _, k := range []string{"SONDE_OFFLINE", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"} {
		switch strings.ToLower(getenv(k)) {
		case "1", "true", "yes", "on":
			return true
		}
	}
	return false
}

// key is a ref's folder in the cache: readable, and unique by its hash.
func key(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, ref)
	if len(clean) > 80 {
		clean = clean[:80]
	}
	return clean + "-" + hex.EncodeToString(sum[:6])
}

// isUnreachable: the network, not the source, failed.
func isUnreachable(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe)
}

func readPin(dir string) (pin, bool) {
	var p pin
	b, err := os.ReadFile(filepath.Join(dir, "pin.json"))
	return p, err == nil && json.Unmarshal(b, &p) == nil && len(p.Files) > 0
}

func writePin(dir string, p pin) error {
	b, _ := json.MarshalIndent(p, "", "  ")
	tmp := filepath.Join(dir, "pin.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "pin.json"))
}

// intact checks the cached files' sizes (their hashes were checked as
// they were written).
func (p pin) intact(dir string) error {
	for _, f := range p.Files {
		st, err := os.Stat(filepath.Join(dir, "files", f.Name))
		if err != nil || st.Size() != f.Size {
			return fmt.Errorf("%s: the cached copy of %s is missing or changed", p.Ref, f.Name)
		}
	}
	return nil
}

// path is the file, or the folder of several.
func (p pin) path(dir string) (string, error) {
	if err := p.intact(dir); err != nil {
		return "", err
	}
	if len(p.Files) == 1 {
		return filepath.Join(dir, "files", p.Files[0].Name), nil
	}
	return filepath.Join(dir, "files"), nil
}

// download writes one file into the cache through a temporary name,
// hashing it as it goes, and checks the source's hash when it gave one.
func download(ctx context.Context, c *http.Client, f remoteFile, dir string) (pinnedAt, error) {
	at := pinnedAt{Name: f.name}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return at, err
	}
	for k, v := range f.header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return at, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return at, fmt.Errorf("HTTP %d from %s", resp.StatusCode, redact(f.url))
	}
	path := filepath.Join(dir, "files", f.name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return at, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".part-*")
	if err != nil {
		return at, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return at, err
	}
	at.Size, at.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	if f.sha256 != "" && f.sha256 != at.SHA256 {
		return at, fmt.Errorf("SHA-256 %s, but the source says %s: the download is corrupt", at.SHA256, f.sha256)
	}
	return at, os.Rename(tmp.Name(), path)
}

// redact drops a URL's query (a signature, a token).
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}
