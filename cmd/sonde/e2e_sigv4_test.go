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
	gw, check := signingGateway(t, "execute-api")

	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", gw.URL, "--concurrency", "2", "--request-count", "6",
		"--isl", "8", "--osl", "3", "--conversation-turn-mean", "2", "--auth-type", "sigv4", "--aws-region", "us-west-2",
		"--aws-service", "execute-api", "--wait-for-model-timeout", "5", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	check(7, "")
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

// signingGateway stands in front of a simulator as AWS would: it re-signs
// every request but the scrapes with the test's credentials for service and
// compares. check(n, path) fails the test unless at least n requests came,
// all well signed and, for a non-empty path, every signed one to path.
func signingGateway(t *testing.T, service string) (*httptest.Server, func(n int, path string)) {
	sim := startSim(t)
	target, _ := url.Parse(sim.addr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	signer := transport.NewSigV4(transport.AWSCredentials{AccessKey: "AKTEST", Secret: "secret-never-written", Token: "token-never-written"},
		"us-west-2", service)
	var mu sync.Mutex
	var bad, paths []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" { // Prometheus scrapes go unsigned, as they go without the API key
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		want, _ := signer.Sign(r.Method, "http://"+r.Host+r.URL.RequestURI(), signedHeaders(r), nil, body, at)
		mu.Lock()
		paths = append(paths, r.URL.Path)
		if err != nil || len(want) != 3 || r.Header.Get("Authorization") != want[2].Value || r.Header.Get("X-Amz-Security-Token") != "token-never-written" {
			bad = append(bad, r.Method+" "+r.URL.Path+": "+r.Header.Get("Authorization"))
		}
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(gw.Close)
	return gw, func(n int, path string) {
		mu.Lock()
		defer mu.Unlock()
		if len(paths) < n || len(bad) > 0 {
			t.Errorf("%d requests checked; badly signed: %v", len(paths), bad)
		}
		for _, p := range paths {
			if path != "" && p != path {
				t.Errorf("a request to %s, not %s", p, path)
			}
		}
		paths, bad = nil, nil
	}
}

// --sagemaker-endpoint-name: requests go to the endpoint's invocations,
// signed for sagemaker; a streamed answer comes in AWS's event-stream
// framing (the simulator frames it as SageMaker does) and is measured as
// the SSE inside it: every token counted, TTFT and ITL as for any stream.
func TestSageMakerEndpoint(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-never-written")
	t.Setenv("AWS_SESSION_TOKEN", "token-never-written")
	gw, check := signingGateway(t, "sagemaker")
	for _, c := range []struct {
		stream bool
		client string
	}{{true, "lean"}, {true, "std"}, {false, "lean"}} {
		stream := c.stream
		dir := filepath.Join(t.TempDir(), "out")
		args := []string{"profile", "-m", "m", "--url", gw.URL, "--sagemaker-endpoint-name", "my-ep", "--aws-region", "us-west-2",
			"--concurrency", "2", "--request-count", "4", "--isl", "8", "--osl", "5", "--extra-inputs", "ignore_eos:true",
			"--http-client", c.client, "--ui-type", "none", "--artifact-dir", dir}
		path := "/endpoints/my-ep/invocations"
		if stream {
			args, path = append(args, "--streaming"), path+"-response-stream"
		}
		res := runSonde(t, args...)
		if res.code != 0 {
			t.Fatalf("streaming %v: exit %d: %s", stream, res.code, res.stderr)
		}
		check(4, path)
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if n, osl := avgOf(t, s, "request_count"), avgOf(t, s, "total_osl"); n != 4 || osl != 20 {
			t.Errorf("streaming %v: %v requests, %v output tokens", stream, n, osl)
		}
		if _, ok := s["inter_token_latency"]; ok != stream {
			t.Errorf("streaming %v: inter_token_latency present %v", stream, ok)
		}
	}
}

// signedHeaders are the headers a request says it signed (but those the
// signer adds itself), as the server received them.
func signedHeaders(r *http.Request) http.Header {
	h := http.Header{}
	_, list, _ := strings.Cut(r.Header.Get("Authorization"), "SignedHeaders=")
	list, _, _ = strings.Cut(list, ",")
	for _, name := range strings.Split(list, ";") {
		switch name {
		case "host", "x-amz-date", "x-amz-security-token", "content-length":
		default:
			h[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	return h
}
