package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// serve starts a simulator on a loopback port for the test.
func serve(t *testing.T, mut func(*sim.Options)) (string, *Server) {
	t.Helper()
	tok, err := tokenizer.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	o := sim.DefaultOptions()
	o.Engine, o.TTFT, o.ITL = "fixed", time.Millisecond, 100*time.Microsecond
	o.RecordPath = filepath.Join(t.TempDir(), "requests.jsonl")
	if mut != nil {
		mut(&o)
	}
	s, err := New(o, tok)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan net.Addr, 1), make(chan error, 1)
	go func() { done <- s.Serve(ctx, "127.0.0.1:0", func(a net.Addr) { ready <- a }) }()
	addr := "http://" + (<-ready).String()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return addr, s
}

func post(t *testing.T, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// sseData returns the data of each event of a streamed body.
func sseData(body string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

func TestChatStreamWithUsage(t *testing.T) {
	url, s := serve(t, func(o *sim.Options) { o.Output.ReasoningTokens = 2 })
	resp, body := post(t, url+"/v1/chat/completions",
		`{"model":"m","stream":true,"max_completion_tokens":6,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello there"}]}`,
		"X-Correlation-ID", "c1", "X-Request-ID", "r1")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := sseData(body)
	if events[len(events)-1] != "[DONE]" {
		t.Fatalf("no [DONE]: %v", events)
	}
	content, reasoning := 0, 0
	var usage *openai.Usage
	for _, e := range events[:len(events)-1] {
		var r openai.Response
		if err := json.Unmarshal([]byte(e), &r); err != nil {
			t.Fatalf("chunk %q: %v", e, err)
		}
		if r.Usage != nil {
			usage = r.Usage
		}
		for _, c := range r.Choices {
			if c.Delta != nil && c.Delta.Content != nil && *c.Delta.Content != "" {
				content++
			}
			if c.Delta != nil && c.Delta.ReasoningContent != nil {
				reasoning++
			}
		}
	}
	if content != 4 || reasoning != 2 || usage == nil || usage.CompletionTokens != 6 || usage.PromptTokens != 2 {
		t.Fatalf("content %d reasoning %d usage %+v", content, reasoning, usage)
	}
	if st := s.Stats(); st.Requests != 1 || st.Connections < 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestNonStreamingAndCompletions(t *testing.T) {
	url, _ := serve(t, nil)
	resp, body := post(t, url+"/v1/chat/completions", `{"model":"m","max_tokens":3,"messages":[{"role":"user","content":"hi"}]}`)
	var r openai.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil || resp.StatusCode != 200 || r.Usage.CompletionTokens != 3 || r.Choices[0].Message == nil {
		t.Fatalf("%d %s %v", resp.StatusCode, body, err)
	}
	resp, body = post(t, url+"/v1/completions", `{"model":"m","stream":true,"max_tokens":3,"stream_options":{"include_usage":true,"continuous_usage_stats":true},"prompt":"once upon"}`)
	if events := sseData(body); resp.StatusCode != 200 || len(events) < 4 || !strings.Contains(events[0], `"text_completion"`) {
		t.Fatalf("%d %v", resp.StatusCode, events)
	}
	resp, body = post(t, url+"/v1/completions", `{"model":"m","max_tokens":2,"prompt":["a","b"]}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"text"`) {
		t.Fatalf("batched prompt: %d %s", resp.StatusCode, body)
	}
}

func TestBadRequests(t *testing.T) {
	url, _ := serve(t, func(o *sim.Options) { o.MaxModelLen = 50; o.Batch.KVCacheTokens = 1000 })
	for body, want := range map[string]string{
		`{not json`: "invalid JSON body",
		`{"model":"m","max_tokens":-1,"messages":[{"role":"user","content":"hi"}]}`:  "must be at least 0",
		`{"model":"m","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`: "maximum context length is 50",
	} {
		resp, got := post(t, url+"/v1/chat/completions", body)
		if resp.StatusCode != 400 || !strings.Contains(got, want) {
			t.Errorf("%s: %d %s", body, resp.StatusCode, got)
		}
	}
}

func TestGateModelsMetricsReset(t *testing.T) {
	url, _ := serve(t, func(o *sim.Options) { o.APIKey, o.Engine = "sk", "batch" })
	if resp, _ := post(t, url+"/v1/chat/completions", `{}`); resp.StatusCode != 401 {
		t.Fatalf("no key: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer sk")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("models: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, path := range []string{"/metrics", "/health", "/stats"} {
		resp, err := http.Get(url + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	if resp, _ := post(t, url+"/reset_prefix_cache", ``); resp.StatusCode != 200 {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	// The profiler: on, off, and each twice is refused.
	for i, c := range []struct {
		path string
		code int
	}{{"/stop_profile", 400}, {"/start_profile", 200}, {"/start_profile", 400}, {"/stop_profile", 200}} {
		if resp, _ := post(t, url+c.path, ``); resp.StatusCode != c.code {
			t.Fatalf("%d: %s answered %d, want %d", i, c.path, resp.StatusCode, c.code)
		}
	}

	// The fixed-latency engine has no prefix cache and, as vLLM without
	// one, still answers 200: --reset-kv-cache works against it.
	url, _ = serve(t, nil)
	if resp, _ := post(t, url+"/reset_prefix_cache", ``); resp.StatusCode != 200 {
		t.Fatalf("reset on the fixed engine: %d", resp.StatusCode)
	}

	url, _ = serve(t, func(o *sim.Options) { o.Faults.ReadyDelay = time.Hour })
	if resp, _ := post(t, url+"/reset_prefix_cache", ``); resp.StatusCode != 503 {
		t.Fatalf("reset while starting: %d", resp.StatusCode)
	}
	if resp, _ := post(t, url+"/v1/chat/completions", `{}`); resp.StatusCode != 503 {
		t.Fatalf("not ready: %d", resp.StatusCode)
	}
}

// Every fault kind, and the record file that names it.
func TestFaultsAndRecordFile(t *testing.T) {
	var rec string
	url, s := serve(t, func(o *sim.Options) {
		o.Faults.ErrorRate, o.Faults.DisconnectRate, o.Faults.MalformedRate, o.Faults.StallRate = 20, 20, 20, 20
		o.Faults.Stall, o.Seed = 10*time.Millisecond, 5
		rec = o.RecordPath
	})
	body := `{"model":"m","stream":true,"max_tokens":4,"messages":[{"role":"user","content":"hi"}]}`
	for range 30 {
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", strings.NewReader(body))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		req, _ = http.NewRequest(http.MethodPost, url+"/v1/chat/completions", strings.NewReader(strings.Replace(body, `"stream":true`, `"stream":false`, 1)))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	http.DefaultClient.CloseIdleConnections()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	faults := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r struct {
			Fault    string `json:"fault"`
			Received int64  `json:"received_unix_ns"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Received == 0 {
			t.Fatalf("record %q: %v", line, err)
		}
		faults[r.Fault]++
	}
	for _, k := range []string{"", "error", "disconnect", "malformed", "stall"} {
		if faults[k] == 0 {
			t.Errorf("no %q fault in %v", k, faults)
		}
	}
}
