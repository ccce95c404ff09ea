package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/sonde-bench/sonde/internal/sim/httpapi"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

// The end-to-end tests run the CLI in-process (run with injected args and
// stdio), against the simulator served in-process on a loopback port, so
// coverage counts and the builtin tokenizer loads once. Only the signal
// tests need a process of their own: sondeBinary builds it on first use.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sonde-e2e")
	if err != nil {
		panic(err)
	}
	binDir = dir
	// Tests must not see the machine's Hugging Face cache, nor reach the Hub.
	os.Setenv("HF_HUB_CACHE", filepath.Join(dir, "hf-cache"))
	os.Setenv("HF_HUB_OFFLINE", "1")
	os.Setenv("SONDE_CACHE_DIR", filepath.Join(dir, "sonde-cache")) // compiled tokenizers: the run's own
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

// sondeBinary builds the real binary once, for tests that send it signals.
func sondeBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "sonde")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		build := exec.Command("go", append(args, ".")...)
		build.Stderr = os.Stderr
		binError = build.Run()
	})
	if binError != nil {
		t.Fatalf("building sonde: %v", binError)
	}
	return binPath
}

// cmdTimeout bounds every run a test starts: nothing may hang.
const cmdTimeout = 3 * time.Minute

// simServer is the simulator on a loopback port, recording every request.
type simServer struct {
	addr    string
	recPath string
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

// startSim serves the simulator in-process, configured by `sonde serve`'s
// flags.
func startSim(t *testing.T, args ...string) *simServer {
	t.Helper()
	var c serveCmd
	parser, err := kong.New(&c, kong.Exit(func(int) { t.Fatalf("sonde serve %v: bad flags", args) }), serveVars())
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		t.Fatalf("sonde serve %v: %v", args, err)
	}
	opts, err := c.options(givenFlags(kctx))
	if err != nil {
		t.Fatal(err)
	}
	opts.RecordPath = filepath.Join(t.TempDir(), "requests.jsonl")
	srv, err := httpapi.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	ready := make(chan net.Addr, 1)
	s := &simServer{recPath: opts.RecordPath, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(ctx, "127.0.0.1:0", func(a net.Addr) { ready <- a }) }()
	select {
	case a := <-ready:
		s.addr = "http://" + a.String()
	case err := <-s.done:
		cancel()
		t.Fatalf("simulator: %v", err)
	}
	t.Cleanup(func() {
		if !s.stopped {
			s.cancel()
			<-s.done
		}
	})
	return s
}

// simRecord is one line of the simulator's request record.
type simRecord struct {
	ReceivedNs       int64             `json:"received_ns"`
	FinishedNs       int64             `json:"finished_ns"`
	ReceivedUnixNs   int64             `json:"received_unix_ns"`
	FirstTokenUnixNs int64             `json:"first_token_unix_ns"`
	FinishedUnixNs   int64             `json:"finished_unix_ns"`
	CorrelationID    string            `json:"correlation_id"`
	RequestID        string            `json:"request_id"`
	TraceParent      string            `json:"traceparent"`
	RemoteAddr       string            `json:"remote_addr"`
	Headers          map[string]string `json:"headers"`
	Status           int               `json:"status"`
	Fault            string            `json:"fault"`
	Body             json.RawMessage   `json:"body"`
	Response         string            `json:"response"`
	TokensSent       int               `json:"tokens_sent"`
	Path             string            `json:"path"`
	PromptTokens     int               `json:"prompt_tokens"`
	Profiled         bool              `json:"profiled"`
	Answered         string            `json:"answered"`
}

type chatBody struct {
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Model     string `json:"model"`
	Stream    bool   `json:"stream"`
	MaxTokens *int   `json:"max_completion_tokens"`
}

// stop ends the server gracefully and returns what it recorded.
func (s *simServer) stop(t *testing.T) []simRecord {
	t.Helper()
	s.cancel()
	s.stopped = true
	if err := <-s.done; err != nil {
		t.Fatalf("the simulator stopped with %v", err)
	}
	data, err := os.ReadFile(s.recPath)
	if err != nil {
		t.Fatal(err)
	}
	var recs []simRecord
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r simRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("bad record line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs
}

type runResult struct {
	stdout, stderr string
	code           int
	dir            string
}

// runSonde runs the CLI in-process to completion, within cmdTimeout.
func runSonde(t *testing.T, args ...string) runResult {
	t.Helper()
	return runSondeEnv(t, env{}, args...)
}

// runSondeEnv is runSonde with more of the process state given (the
// interruptions, stdin).
func runSondeEnv(t *testing.T, e env, args ...string) runResult {
	t.Helper()
	var out, errb sondetest.Buffer
	e.Args, e.Stdout, e.Stderr = args, &out, &errb
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	done := make(chan int, 1)
	go func() { done <- run(e) }()
	select {
	case code := <-done:
		return runResult{stdout: out.String(), stderr: errb.String(), code: code}
	case <-time.After(cmdTimeout):
		t.Fatalf("sonde %v did not finish within %v\nstderr:\n%s", args, cmdTimeout, errb.String())
	}
	return runResult{}
}

// profileArgs turns a documented `aiperf profile` command into sonde's,
// pointing --url at addr and writing into dir.
func profileArgs(cmd, addr, dir string, extra ...string) []string {
	f := strings.Fields(strings.ReplaceAll(cmd, "\\\n", " "))
	if f[0] == "aiperf" {
		f = f[1:]
	}
	for i := range f {
		if f[i] == "--url" {
			f[i+1] = addr
		}
	}
	return append(append(f, "--artifact-dir", dir, "--ui-type", "none"), extra...)
}

func setFlag(args []string, flag, value string) []string {
	out := append([]string(nil), args...)
	for i := range out {
		if out[i] == flag {
			out[i+1] = value
			return out
		}
	}
	return append(out, flag, value)
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func stat(t *testing.T, summary map[string]any, tag, key string) float64 {
	t.Helper()
	m, ok := summary[tag].(map[string]any)
	if !ok {
		t.Fatalf("summary has no %s", tag)
	}
	v, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%s has no %s", tag, key)
	}
	return v
}

type jsonlLine struct {
	Metadata struct {
		SessionNum     int    `json:"session_num"`
		XRequestID     string `json:"x_request_id"`
		XCorrelationID string `json:"x_correlation_id"`
		ConversationID string `json:"conversation_id"`
		TurnIndex      int    `json:"turn_index"`
		RequestStartNs int64  `json:"request_start_ns"`
		RequestEndNs   int64  `json:"request_end_ns"`
		CreditIssuedNs int64  `json:"credit_issued_ns"`
		FirstTokenNs   int64  `json:"first_token_ns"`
		LastTokenNs    int64  `json:"last_token_ns"`
		TraceID        string `json:"trace_id"`
		PhaseName      string `json:"phase_name"`
		AgentDepth     int    `json:"agent_depth"`
		ParentCorrID   string `json:"parent_correlation_id"`
	} `json:"metadata"`
	Metrics map[string]struct {
		Value any    `json:"value"`
		Unit  string `json:"unit"`
	} `json:"metrics"`
	Error *struct {
		Code    int    `json:"code"`
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func readJSONL(t *testing.T, path string) []jsonlLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []jsonlLine
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var l jsonlLine
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, l)
	}
	return out
}

type inputsFile struct {
	Data []struct {
		SessionID string     `json:"session_id"`
		Payloads  []chatBody `json:"payloads"`
	} `json:"data"`
}

// maxOverlap is the largest number of intervals open at one instant.
func maxOverlap(iv [][2]int64) int {
	type ev struct {
		t     int64
		delta int
	}
	var evs []ev
	for _, i := range iv {
		evs = append(evs, ev{i[0], 1}, ev{i[1], -1})
	}
	sort.Slice(evs, func(a, b int) bool {
		if evs[a].t != evs[b].t {
			return evs[a].t < evs[b].t
		}
		return evs[a].delta < evs[b].delta // close before open at the same instant
	})
	cur, best := 0, 0
	for _, e := range evs {
		cur += e.delta
		best = max(best, cur)
	}
	return best
}

func readInto(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// clockSlack absorbs the conversion of sonde's monotonic stamps to wall
// clock: both processes read the same system clock, so causality holds to
// within a few microseconds.
const clockSlack = int64(time.Millisecond)

// checkCausality checks sonde's timing of every request against what the
// server recorded, on any machine load: sonde started the request before the
// server received it, and saw the first token only after the server wrote it.
// So sonde's TTFT is never shorter than the server's own.
func checkCausality(t *testing.T, lines []jsonlLine, recs []simRecord) {
	t.Helper()
	byID := map[string]simRecord{}
	for _, r := range recs {
		byID[r.RequestID] = r
	}
	checked := 0
	for _, l := range lines {
		r, ok := byID[l.Metadata.XRequestID]
		if !ok || l.Error != nil {
			continue
		}
		if l.Metadata.RequestStartNs > r.ReceivedUnixNs+clockSlack {
			t.Fatalf("request %s: sonde started it %d ns after the server received it", r.RequestID, l.Metadata.RequestStartNs-r.ReceivedUnixNs)
		}
		if r.FirstTokenUnixNs > 0 && l.Metadata.FirstTokenNs > 0 {
			if r.FirstTokenUnixNs > l.Metadata.FirstTokenNs+clockSlack {
				t.Fatalf("request %s: sonde saw the first token %d ns before the server wrote it", r.RequestID, r.FirstTokenUnixNs-l.Metadata.FirstTokenNs)
			}
			ttft := metricValue(l, "time_to_first_token")
			if server := float64(r.FirstTokenUnixNs-r.ReceivedUnixNs) / 1e6; !math.IsNaN(ttft) && ttft < server-float64(clockSlack)/1e6 {
				t.Fatalf("request %s: sonde's TTFT %.3f ms is below the server's %.3f ms", r.RequestID, ttft, server)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no request matched between sonde and the server")
	}
}

// signals is an in-process source of interruptions: Send delivers one to
// every channel a run (or study) registered, as the process's own signals
// reach every signal.Notify.
type signals struct {
	mu   sync.Mutex
	subs map[chan<- os.Signal]bool
}

func (s *signals) notify(c chan<- os.Signal) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs == nil {
		s.subs = map[chan<- os.Signal]bool{}
	}
	s.subs[c] = true
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.subs, c)
	}
}

// interruptUntilDone sends SIGINT every 50 ms until the run ends: a signal
// may come before the run (or a study's next run) listens.
func interruptUntilDone(sig *signals, done <-chan runResult) runResult {
	for {
		sig.send(syscall.SIGINT)
		select {
		case res := <-done:
			return res
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *signals) send(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.subs {
		select {
		case c <- sig:
		default:
		}
	}
}
