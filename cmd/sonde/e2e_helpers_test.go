package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sondeBin is the real binary, built once for the end-to-end tests.
var sondeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sonde-e2e")
	if err != nil {
		panic(err)
	}
	sondeBin = filepath.Join(dir, "sonde")
	// Tests must not see the machine's Hugging Face cache, nor reach the Hub.
	os.Setenv("HF_HUB_CACHE", filepath.Join(dir, "hf-cache"))
	os.Setenv("HF_HUB_OFFLINE", "1")
	buildArgs := []string{"build", "-o", sondeBin}
	if raceEnabled {
		buildArgs = append(buildArgs, "-race")
	}
	build := exec.Command("go", append(buildArgs, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building sonde:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cmdTimeout bounds every process a test starts: nothing may hang.
const cmdTimeout = 3 * time.Minute

// simServer is `sonde serve` on a loopback port, recording every request.
type simServer struct {
	cmd     *exec.Cmd
	addr    string
	recPath string
	cancel  context.CancelFunc
}

func startSim(t *testing.T, args ...string) *simServer {
	t.Helper()
	rec := filepath.Join(t.TempDir(), "requests.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	cmd := exec.CommandContext(ctx, sondeBin, append([]string{"serve", "--port", "0", "--record-requests", rec}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("sonde serve did not report its address: %v", err)
	}
	// "sonde serve listening on http://127.0.0.1:PORT (…)"
	f := strings.Fields(line)
	s := &simServer{cmd: cmd, addr: f[4], recPath: rec, cancel: cancel}
	t.Cleanup(func() { s.cancel(); s.cmd.Wait() })
	return s
}

// simRecord is one line of the simulator's request record.
type simRecord struct {
	ReceivedNs    int64             `json:"received_ns"`
	FinishedNs    int64             `json:"finished_ns"`
	CorrelationID string            `json:"correlation_id"`
	RequestID     string            `json:"request_id"`
	RemoteAddr    string            `json:"remote_addr"`
	Headers       map[string]string `json:"headers"`
	Status        int               `json:"status"`
	Fault         string            `json:"fault"`
	Body          json.RawMessage   `json:"body"`
	Response      string            `json:"response"`
	TokensSent    int               `json:"tokens_sent"`
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
	s.cmd.Process.Signal(syscall.SIGINT)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("sonde serve exited with %v", err)
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

// runSonde runs the binary to completion.
func runSonde(t *testing.T, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, sondeBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("sonde %v did not finish within %v", args, cmdTimeout)
	}
	return runResult{stdout: out.String(), stderr: errb.String(), code: code}
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
