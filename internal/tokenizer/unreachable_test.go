package tokenizer

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// closedEndpoint is a loopback URL nothing listens on: dials are refused.
func closedEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// Offline is the normal case on a benchmark box: a Hub that cannot be
// reached gives one short reason (the dial error only in Detail), and later
// runs within unreachableFor do not try again; after it, or once the Hub
// answers, they do.
func TestUnreachableHubIsRememberedBriefly(t *testing.T) {
	vars := map[string]string{"HF_ENDPOINT": closedEndpoint(t), "HF_HUB_CACHE": t.TempDir(), "XDG_CACHE_HOME": t.TempDir()}
	getenv := func(k string) string { return vars[k] }
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	resolve := func() *Resolution {
		t.Helper()
		r, err := Resolve(ResolveOptions{Name: "Org/Tiny", Getenv: getenv, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := resolve()
	host := strings.TrimPrefix(vars["HF_ENDPOINT"], "http://")
	if r.Fallback != "not in the Hugging Face cache, and "+host+" could not be reached" || !strings.Contains(r.Detail, "refused") {
		t.Fatalf("first look-up: fallback %q, detail %q", r.Fallback, r.Detail)
	}
	now = now.Add(time.Minute)
	if r := resolve(); r.Detail != "" || !strings.Contains(r.Fallback, "was unreachable 1m0s ago") {
		t.Fatalf("a minute later the Hub was tried again, or not said: %+v", r)
	}
	// Another Hub (a mirror at $HF_ENDPOINT) is not judged by the first.
	srv, _ := fakeHub(t)
	closed := vars["HF_ENDPOINT"]
	vars["HF_ENDPOINT"] = srv.URL
	if r := resolve(); r.Fallback != "" {
		t.Fatalf("a reachable mirror was not asked: %+v", r)
	}
	if _, err := os.Stat(unreachablePath(getenv)); err == nil {
		t.Fatal("the negative answer outlived a Hub that answered")
	}
	vars["HF_ENDPOINT"], vars["HF_HUB_CACHE"] = closed, t.TempDir()
	resolve()
	now = now.Add(unreachableFor)
	if r := resolve(); r.Detail == "" {
		t.Fatalf("not tried again after %v: %+v", unreachableFor, r)
	}
	// HF_HUB_OFFLINE: no look-up, and it says so.
	vars["HF_HUB_OFFLINE"] = "1"
	if r := resolve(); r.Fallback != "not in the Hugging Face cache, and HF_HUB_OFFLINE is set" {
		t.Fatalf("offline: %+v", r)
	}
	// An explicit --tokenizer that cannot be had is an error naming it.
	if _, err := Resolve(ResolveOptions{Name: "Org/Tiny", Explicit: true, Getenv: getenv}); err == nil || !strings.Contains(err.Error(), "--tokenizer Org/Tiny") {
		t.Fatalf("explicit: %v", err)
	}
}

func TestSondeCacheDir(t *testing.T) {
	if d := SondeCacheDir(func(k string) string { return map[string]string{"XDG_CACHE_HOME": "/x"}[k] }); d != "/x/sonde" {
		t.Fatal(d)
	}
	if d := SondeCacheDir(func(k string) string { return map[string]string{"HOME": "/h"}[k] }); d != "/h/.cache/sonde" {
		t.Fatal(d)
	}
}
