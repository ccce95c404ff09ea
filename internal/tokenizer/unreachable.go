package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// unreachableFor is how long a failed attempt to reach the Hub keeps later
// runs from trying again: a benchmark box behind a firewall is offline for
// good, and every run would otherwise wait on DNS or a dial first.
const unreachableFor = 10 * time.Minute

// SondeCacheDir is sonde's own cache: $XDG_CACHE_HOME/sonde, else
// ~/.cache/sonde.
func SondeCacheDir(getenv func(string) string) string {
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "sonde")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".cache", "sonde")
}

// unreachableNote is the negative answer kept on disk: which Hub endpoint
// could not be reached, and when.
type unreachableNote struct {
	Endpoint string `json:"endpoint"`
	At       int64  `json:"unix_ns"`
}

func unreachablePath(getenv func(string) string) string {
	return filepath.Join(SondeCacheDir(getenv), "hub-unreachable.json")
}

// recentlyUnreachable reports how long ago the Hub at endpoint was last
// found unreachable, if that was less than unreachableFor before now.
func recentlyUnreachable(getenv func(string) string, endpoint string, now time.Time) (time.Duration, bool) {
	b, err := os.ReadFile(unreachablePath(getenv))
	if err != nil {
		return 0, false
	}
	var n unreachableNote
	if json.Unmarshal(b, &n) != nil || n.Endpoint != endpoint {
		return 0, false
	}
	ago := now.Sub(time.Unix(0, n.At))
	return ago, ago >= 0 && ago < unreachableFor
}

// noteUnreachable keeps the negative answer; a cache that cannot be
// written only means the next run tries again.
func noteUnreachable(getenv func(string) string, endpoint string, now time.Time) {
	path := unreachablePath(getenv)
	if os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	b, _ := json.Marshal(unreachableNote{Endpoint: endpoint, At: now.UnixNano()})
	if os.WriteFile(path+".part", b, 0o644) == nil {
		os.Rename(path+".part", path)
	}
}

// forgetUnreachable drops the negative answer once the Hub answered.
func forgetUnreachable(getenv func(string) string) { os.Remove(unreachablePath(getenv)) }

// isUnreachable tells a failure to reach the Hub at all (DNS, refused or
// timed-out connections, TLS) from an answer the Hub gave (404, 401, …).
func isUnreachable(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// hostOf names the Hub's host for a one-line message.
func hostOf(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		return u.Host
	}
	return endpoint
}

func unreachableReason(endpoint string) string {
	return fmt.Sprintf("not in the Hugging Face cache, and %s could not be reached", hostOf(endpoint))
}
