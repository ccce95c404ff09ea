package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/transport"
)

// --auth-type sigv4: every request the server gets, the readiness probe
// included, carries a signature of exactly the body and URL it got (a
// gateway in front of the simulator re-signs each one and compares), and
// neither the keys nor the signatures reach any file of the run.
func TestSigV4SignsEveryRequest(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-never-written")
	t.Setenv("AWS_SESSION_TOKEN", "token-never-written")
	sim := startSim(t)
	target, _ := url.Parse(sim.addr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	signer := &transport.SigV4{Creds: transport.AWSCredentials{AccessKey: "AKTEST", Secret: "secret-never-written", Token: "token-never-written"},
		Region: "us-west-2", Service: "execute-api"}
	var mu sync.Mutex
	var bad []string
	checked := 0
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" { // Prometheus scrapes go unsigned, as they go without the API key
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		want, _ := signer.Sign(r.Method, "http://"+r.Host+r.URL.RequestURI(), body, at)
		mu.Lock()
		checked++
		if err != nil || len(want) != 3 || r.Header.Get("Authorization") != want[2].Value || r.Header.Get("X-Amz-Security-Token") != "token-never-written" {
			bad = append(bad, r.Method+" "+r.URL.Path+": "+r.Header.Get("Authorization"))
		}
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	defer gw.Close()

	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", gw.URL, "--concurrency", "2", "--request-count", "6",
		"--isl", "8", "--osl", "3", "--conversation-turn-mean", "2", "--auth-type", "sigv4", "--aws-region", "us-west-2",
		"--aws-service", "execute-api", "--wait-for-model-timeout", "5", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if checked < 7 || len(bad) > 0 {
		t.Errorf("%d requests checked; badly signed: %v", checked, bad)
	}
	if !strings.Contains(res.stderr, "Signing every request with AWS SigV4 for execute-api in us-west-2, with the credentials of the environment") {
		t.Errorf("no word of the signing:\n%s", res.stderr)
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		for _, secret := range []string{"secret-never-written", "token-never-written", "AWS4-HMAC-SHA256"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds %q", path, secret)
			}
		}
		return nil
	})

	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "")
	res = runSonde(t, "profile", "-m", "m", "--url", gw.URL, "--auth-type", "sigv4", "--aws-region", "r", "--aws-service", "s",
		"--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "nocreds"))
	if res.code != 2 || !strings.Contains(res.stderr, "no AWS credentials in the environment") {
		t.Errorf("no credentials: exit %d: %s", res.code, res.stderr)
	}
}
