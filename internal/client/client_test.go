package client_test

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/client"
	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/plan/plantest"
)

// server is a loopback server that records what it was asked.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	asked []string
	auth  []string
	ready atomic.Int32 // requests answered 503 before it is ready
}

func newServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request) bool) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.asked = append(s.asked, r.Method+" "+r.URL.Path)
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		if s.ready.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if handle != nil && handle(w, r) {
			return
		}
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.asked, ", ")
}

// says collects what the client told.
type says struct {
	mu         sync.Mutex
	info, warn []string
}

func (s *says) say() client.Say {
	return client.Say{
		Info: func(m string) { s.mu.Lock(); s.info = append(s.info, m); s.mu.Unlock() },
		Warn: func(m string) { s.mu.Lock(); s.warn = append(s.warn, m); s.mu.Unlock() },
	}
}

func newClient(t *testing.T, s *says, args ...string) (*client.Client, *plan.Plan) {
	t.Helper()
	pl := plantest.Must(t, args...)
	c, err := client.New(t.Context(), pl, client.Options{Clock: clock.New(), Getenv: os.Getenv, Say: s.say()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, pl
}

// Readiness: each mode asks what it says, waits through refusals, and
// gives up after its timeout naming the server's last answer.
func TestWaitForModel(t *testing.T) {
	for _, c := range []struct {
		mode, want string
	}{
		{"models", "GET /v1/models, GET /v1/models, GET /v1/models"},
		{"health", "GET /health, GET /health, GET /health"},
		{"inference", "POST /v1/chat/completions, POST /v1/chat/completions, POST /v1/chat/completions"},
	} {
		srv := newServer(t, nil)
		srv.ready.Store(2)
		var s says
		cl, _ := newClient(t, &s, "--url", srv.URL, "--wait-for-model-timeout", "10", "--wait-for-model-interval", "0.01", "--wait-for-model-mode", c.mode)
		if err := cl.WaitForModel(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := srv.log(); got != c.want {
			t.Errorf("%s: asked %s", c.mode, got)
		}
		if len(s.info) == 0 || !strings.Contains(s.info[len(s.info)-1], "The server answered after") {
			t.Errorf("%s: said %v", c.mode, s.info)
		}
	}
	// A models list that does not exist: /health instead.
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v1/models" {
			http.NotFound(w, r)
			return true
		}
		return false
	})
	var s says
	cl, _ := newClient(t, &s, "--url", srv.URL, "--wait-for-model-timeout", "10", "--wait-for-model-mode", "models")
	if err := cl.WaitForModel(t.Context()); err != nil || srv.log() != "GET /v1/models, GET /health" {
		t.Errorf("%v: %s", err, srv.log())
	}
	srv = newServer(t, nil)
	srv.ready.Store(1 << 30)
	cl, _ = newClient(t, &s, "--url", srv.URL, "--wait-for-model-timeout", "1", "--wait-for-model-interval", "0.01")
	if err := cl.WaitForModel(t.Context()); err == nil || !strings.Contains(err.Error(), "was not ready after") || !strings.Contains(err.Error(), "503") {
		t.Errorf("a server never ready: %v", err)
	}
	cl, _ = newClient(t, &s, "--url", srv.URL)
	if err := cl.WaitForModel(t.Context()); err != nil {
		t.Errorf("no wait asked: %v", err)
	}
}

// The prefix cache is reset before profiling; a refusal is a warning.
func TestResetCache(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/refuse" {
			w.WriteHeader(http.StatusForbidden)
			return true
		}
		return false
	})
	var s says
	cl, _ := newClient(t, &s, "--url", srv.URL, "--reset-kv-cache")
	cl.ResetCache(t.Context())
	if srv.log() != "POST /reset_prefix_cache" || len(s.warn) != 0 {
		t.Errorf("asked %s; warned %v", srv.log(), s.warn)
	}
	cl, _ = newClient(t, &s, "--url", srv.URL, "--reset-kv-cache", "--reset-kv-cache-path", "/refuse")
	cl.ResetCache(t.Context())
	cl, _ = newClient(t, &s, "--url", "http://127.0.0.1:1", "--reset-kv-cache")
	cl.ResetCache(t.Context())
	if len(s.warn) != 2 || !strings.Contains(s.warn[0], "403") {
		t.Errorf("warned %v", s.warn)
	}
	cl, _ = newClient(t, &s, "--url", srv.URL)
	cl.ResetCache(t.Context()) // not asked: nothing sent
	if n := strings.Count(srv.log(), "POST"); n != 2 {
		t.Errorf("%d resets", n)
	}
}

// --start-at waits, and warns when this machine's clock is off the
// server's; a barrier no other shard passes fails the start.
func TestWaitForStart(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Date", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
		return false
	})
	var s says
	at := time.Now().Add(200 * time.Millisecond)
	cl, _ := newClient(t, &s, "--url", srv.URL, "--start-at", strconv.FormatInt(at.UnixNano(), 10))
	if err := cl.WaitForStart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if time.Now().Before(at) {
		t.Error("started before --start-at")
	}
	// A loaded machine may wake past the start too: that warning is the
	// start's own, not the clock's, and is not what this test is about.
	var clock []string
	for _, w := range s.warn {
		if !strings.Contains(w, "profiling started") {
			clock = append(clock, w)
		}
	}
	if len(clock) != 1 || !strings.Contains(clock[0], "clock is 3600 s off") {
		t.Errorf("warned %v", s.warn)
	}
	dir := t.TempDir()
	cl, _ = newClient(t, &s, "--url", srv.URL, "--concurrency", "2", "--shard-count", "2", "--shard-index", "0",
		"--start-barrier", dir, "--start-barrier-timeout", "0.05")
	if err := cl.WaitForStart(t.Context()); err == nil || !strings.Contains(err.Error(), "no announcement from shard 1 of 2") {
		t.Errorf("a barrier alone: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "shard_0.json")); err != nil {
		t.Errorf("shard 0 did not announce itself: %v", err)
	}
	cl, _ = newClient(t, &s, "--url", srv.URL)
	if err := cl.WaitForStart(t.Context()); err != nil {
		t.Error(err)
	}
}

// SigV4: every request is signed, the measured ones and those asked
// outside; credentials that cannot be found are bad input.
func TestSigning(t *testing.T) {
	srv := newServer(t, nil)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	var s says
	cl, pl := newClient(t, &s, "--url", srv.URL, "--auth-type", "sigv4", "--aws-region", "us-east-1", "--aws-service", "execute-api", "--reset-kv-cache")
	cl.ResetCache(t.Context())
	if !strings.HasPrefix(srv.auth[0], "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
		t.Errorf("unsigned: %q", srv.auth[0])
	}
	cfg := cl.Signed(pl.Profiling())
	if cfg.Sign == nil {
		t.Fatal("the phase is not signed")
	}
	if h, err := cfg.Sign(srv.URL+"/v1/chat/completions", nil, []byte("{}")); err != nil || len(h) == 0 {
		t.Errorf("signing: %v %v", h, err)
	}
	if !strings.Contains(strings.Join(s.info, "\n"), "Signing every request with AWS SigV4 for execute-api in us-east-1") {
		t.Errorf("said %v", s.info)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	pl = plantest.Must(t, "--url", srv.URL, "--auth-type", "sigv4", "--aws-region", "us-east-1", "--aws-service", "execute-api")
	_, err := client.New(t.Context(), pl, client.Options{Clock: clock.New(), Getenv: os.Getenv, Say: s.say()})
	var ue plan.UsageError
	if !errors.As(err, &ue) {
		t.Errorf("no credentials: %v", err)
	}
	if cfg := cl.Signed(plantest.Must(t, "--url", srv.URL).Profiling()); cfg.Sign == nil {
		t.Error("the signing client left a phase unsigned")
	}
}

// A shared client outlives its runs: the second run gets the first one's,
// and closing a run leaves it open; connections can be opened ahead.
func TestSharedAndWarm(t *testing.T) {
	srv := newServer(t, nil)
	var s says
	shared := &client.Shared{}
	defer shared.Close()
	pl := plantest.Must(t, "--url", srv.URL, "--warmup-connections", "2", "--http-client", "lean", "--request-rate", "5")
	a, err := client.New(t.Context(), pl, client.Options{Clock: clock.New(), Shared: shared, Say: s.say(), Getenv: os.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	b, err := client.New(t.Context(), pl, client.Options{Clock: clock.New(), Shared: shared, Say: s.say(), Getenv: os.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	if a.HTTP != b.HTTP || a.Clock() != b.Clock() {
		t.Error("the shared client was not shared")
	}
	if !strings.Contains(strings.Join(s.info, "\n"), "Opened 2 connections to each server") {
		t.Errorf("said %v", s.info)
	}
	if got := plan.BaseOf(srv.URL + "/v1/x"); got != srv.URL {
		t.Errorf("BaseOf %s", got)
	}
}

// The server's own word, asked before the run: /version, the model of
// /v1/models, the Server header; the machine's own.
func TestFingerprint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "uvicorn")
		switch r.URL.Path {
		case "/version":
			w.Write([]byte(`{"version": "0.11.2"}`))
		case "/v1/models":
			w.Write([]byte(`{"data": [{"id": "m", "owned_by": "vllm", "root": "/models/m", "max_model_len": 8192}]}`))
		}
	}))
	defer srv.Close()
	c, _ := newClient(t, &says{}, "--url", srv.URL)
	got := c.Fingerprint(t.Context())
	want := map[string]string{"version": "0.11.2", "model": "m", "owned_by": "vllm", "model_root": "/models/m", "max_model_len": "8192", "server_header": "uvicorn"}
	if !maps.Equal(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
	if info := client.ClientInfo("v1"); info["sonde_version"] != "v1" || info["cpus"] == "" {
		t.Errorf("%v", info)
	}
}
