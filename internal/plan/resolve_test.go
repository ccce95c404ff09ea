package plan_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/plan/plantest"
	"github.com/sonde-bench/sonde/internal/record"
)

// nowhere is a URL no test sends to: resolving a plan sends nothing.
const nowhere = "http://127.0.0.1:1"

func flags(t *testing.T, args ...string) *config.Profile { return plantest.Flags(t, args...) }

func resolve(t *testing.T, args ...string) (*plan.Plan, error) { return plantest.Resolve(t, args...) }

func mustResolve(t *testing.T, args ...string) *plan.Plan { return plantest.Must(t, args...) }

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func says(pl *plan.Plan, part string) bool {
	for _, n := range pl.Notes() {
		if strings.Contains(n.Msg, part) {
			return true
		}
	}
	return false
}

// A multi-turn synthetic plan: its budgets, its folder, its phases, the
// engine's configuration of each.
func TestResolveMultiTurn(t *testing.T) {
	pl := mustResolve(t, "--url", nowhere, "--streaming", "--conversation-num", "4", "--conversation-turn-mean", "3",
		"--conversation-turn-stddev", "0", "--isl", "20", "--osl", "5", "--concurrency", "2", "--random-seed", "7")
	if pl.Expected() != 12 || len(pl.Conversations()) < 4 || pl.Seed() != 7 || pl.Concurrency() != 2 || pl.Rate() != 0 {
		t.Fatalf("expected %d, %d conversations, seed %d", pl.Expected(), len(pl.Conversations()), pl.Seed())
	}
	if got := pl.URLs(); len(got) != 1 || got[0] != nowhere+"/v1/chat/completions" {
		t.Errorf("URLs %v", got)
	}
	if !strings.HasSuffix(pl.Files().Dir, "m-openai-chat-concurrency2") || pl.Codec() == nil || pl.Tokenizer() == nil || pl.Template() != nil {
		t.Errorf("files %s", pl.Files().Dir)
	}
	prof := pl.Profiling()
	if prof.Phase != record.PhaseProfiling || prof.MaxSessions != 4 || prof.Concurrency != 2 || prof.SessionOffset != 0 || prof.Header.Get("User-Agent") != "sonde/test" {
		t.Errorf("profiling %+v", prof)
	}
	if len(pl.Warmups()) != 0 || pl.Base().Phase != "" {
		t.Error("a warm-up nobody asked for")
	}
	if !says(pl, "Multi-turn mode: 4 conversations") || !says(pl, "Tokenizer: builtin") || pl.SimInProcess() || pl.MeanGapNs() != 0 {
		t.Errorf("notes %v", pl.Notes())
	}
	if i, n := pl.Shard(); i != 0 || n != 1 || pl.ShardID().Run == "" || pl.Grace() != 0 || len(pl.SLOs()) != 0 || pl.Flags().Streaming != true {
		t.Error("shard")
	}
}

// The warm-up is a phase of its own, each setting inheriting the
// profiling one unless given; profiling sessions are numbered apart.
func TestResolveWarmup(t *testing.T) {
	pl := mustResolve(t, "--url", nowhere, "--request-count", "3", "--concurrency", "2", "--isl", "5", "--osl", "2",
		"--warmup-request-count", "2", "--warmup-duration", "5", "--warmup-grace-period", "5", "--warmup-request-rate", "200",
		"--warmup-arrival-pattern", "constant", "--warmup-concurrency", "1", "--warmup-prefill-concurrency", "1",
		"--warmup-concurrency-ramp-duration", "0.01", "--warmup-request-rate-ramp-duration", "0.01", "--warmup-prefill-concurrency-ramp-duration", "1",
		"--workers-max", "2", "--zmq-host", "h", "--record-processors", "1", "--tokenizer-trust-remote-code")
	ws := pl.Warmups()
	if len(ws) != 1 {
		t.Fatalf("%d warm-ups", len(ws))
	}
	w, cut, s := ws[0].Config, ws[0].Cut, ws[0].Says
	if w.Phase != record.PhaseWarmup || w.MaxRequests != 2 || w.Duration != 5*time.Second || cut != 10*time.Second || w.Concurrency != 1 || w.Rate != 200 || ws[0].Total != 2 {
		t.Fatalf("warm-up %+v cut %v", w, cut)
	}
	if want := "2 requests or 5s; concurrency 1 (profiling will use 2); 200 requests/s (profiling will use 0); constant arrivals"; !strings.HasPrefix(s, want) {
		t.Errorf("says %q", s)
	}
	if pl.Profiling().SessionOffset == 0 {
		t.Error("warm-up and profiling sessions share numbers")
	}
	for _, n := range []string{"--workers-max:", "--zmq-*:", "--record-processor-service-count:", "--tokenizer-trust-remote-code:", "--warmup-prefill-concurrency-ramp-duration"} {
		if n != "--warmup-prefill-concurrency-ramp-duration" && !says(pl, n) {
			t.Errorf("no note %q", n)
		}
	}
	pl = mustResolve(t, "--url", nowhere, "--request-count", "3", "--warmup-request-count", "1", "--prefill-concurrency-ramp-duration", "1")
	if cut := pl.Warmups()[0].Cut; cut != -1 || !says(pl, "no --prefill-concurrency to ramp") {
		t.Errorf("cut %v, notes %v", cut, pl.Notes())
	}
}

// Open-loop loads: the rate, its shapes, sessions arriving, users.
func TestResolveLoads(t *testing.T) {
	for _, c := range []struct {
		args []string
		gap  float64
	}{
		{[]string{"--request-rate", "10", "--request-count", "5", "--request-rate-ramp-duration", "1"}, 1e8},
		{[]string{"--request-rate-series", "0:5,1:10", "--request-count", "5"}, 1e8},
		{[]string{"--session-arrival-rate", "4", "--session-arrival-smoothness", "2", "--session-arrival-pattern", "gamma", "--conversation-num", "2"}, 2.5e8},
		{[]string{"--user-centric-rate", "2", "--num-users", "4", "--conversation-num", "8", "--conversation-turn-mean", "2"}, 5e8},
		{[]string{"--request-rate", "10", "--benchmark-duration", "1", "--benchmark-grace-period", "2", "--request-cancellation-rate", "10", "--request-cancellation-delay", "0.5",
			"--prefill-concurrency", "1", "--streaming", "--concurrency-ramp-duration", "1", "--concurrency", "2", "--connection-reuse-strategy", "never"}, 1e8},
	} {
		pl := mustResolve(t, append([]string{"--url", nowhere, "--isl", "5", "--osl", "2"}, c.args...)...)
		if pl.MeanGapNs() != c.gap {
			t.Errorf("%v: mean gap %v", c.args, pl.MeanGapNs())
		}
	}
	pl := mustResolve(t, "--url", nowhere, "--request-rate", "10", "--benchmark-duration", "1", "--benchmark-grace-period", "2", "--connection-reuse-strategy", "sticky-user-sessions")
	if pl.Grace() != 2*time.Second || pl.Expected() != 0 || pl.Profiling().Duration != time.Second {
		t.Errorf("grace %v expected %d", pl.Grace(), pl.Expected())
	}
}

// A shard takes its part of the load and its own folder; a start time is
// checked before anything runs.
func TestResolveShards(t *testing.T) {
	pl := mustResolve(t, "--url", nowhere, "--request-count", "5", "--concurrency", "3", "--shard-count", "2", "--shard-index", "1", "--request-rate", "10")
	if i, n := pl.Shard(); i != 1 || n != 2 || pl.Concurrency() != 1 || pl.Expected() != 2 || filepath.Base(pl.Files().Dir) != "shard_1" || pl.MeanGapNs() != 2e8 {
		t.Errorf("shard %d of %d: concurrency %d, expected %d, dir %s", i, n, pl.Concurrency(), pl.Expected(), pl.Files().Dir)
	}
	t.Setenv("SONDE_SHARD_COUNT", "2")
	t.Setenv("JOB_COMPLETION_INDEX", "0")
	if pl := mustResolve(t, "--url", nowhere, "--request-count", "4", "--concurrency", "2"); pl.Expected() != 2 {
		t.Errorf("a Kubernetes shard: %d", pl.Expected())
	}
	soon := strconv.FormatInt(time.Now().Add(time.Minute).UnixNano(), 10)
	if _, err := resolve(t, "--url", nowhere, "--start-at", soon, "--concurrency", "2"); err != nil {
		t.Error(err)
	}
	for _, env := range []struct{ k, v, want string }{
		{"SONDE_SHARD_COUNT", "x", "$SONDE_SHARD_COUNT"}, {"JOB_COMPLETION_INDEX", "y", "$JOB_COMPLETION_INDEX"},
	} {
		t.Setenv(env.k, env.v)
		if _, err := resolve(t, "--url", nowhere); err == nil || !strings.Contains(err.Error(), env.want) {
			t.Errorf("%s=%s: %v", env.k, env.v, err)
		}
		t.Setenv("SONDE_SHARD_COUNT", "2")
		t.Setenv("JOB_COMPLETION_INDEX", "0")
	}
}

// Bad input is a plan.UsageError naming what is wrong, before anything runs.
func TestResolveRefuses(t *testing.T) {
	late := time.Now().Add(48 * time.Hour).Format(time.RFC3339)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--start-at", "soon"}, "--start-at"},
		{[]string{"--start-at", late}, "ahead"},
		{[]string{"--shard-count", "3", "--concurrency", "2", "--shard-index", "0"}, "cannot be split"},
		{[]string{"--shard-count", "2"}, "needs --shard-index"},
		{[]string{"--endpoint-type", "template"}, "payload_template"},
		{[]string{"--extra-inputs", "x"}, "extra-inputs"},
		{[]string{"--goodput", "nonsense"}, "goodput"},
		{[]string{"--url", "sim://?ttft=fast"}, "ttft"},
		{[]string{"--replay-outputs", "/no/such/outputs.json"}, "outputs.json"},
		{[]string{"--apply-chat-template"}, "--apply-chat-template needs"},
		{[]string{"--concurrency", "2", "--isl-osl-pairs", "10:5,20:5"}, "sweep"},
		{[]string{"--arrival-pattern", "gamma", "--request-rate", "5", "--arrival-smoothness", "0"}, "smoothness"},
	} {
		args := append([]string{"--url", nowhere}, c.args...)
		_, err := resolve(t, args...)
		var ue plan.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want a plan.UsageError with %q", c.args, err, c.want)
		}
	}
}

// WithLoad keeps the workload and changes the load and the folder.
func TestWithLoad(t *testing.T) {
	args := []string{"--url", "sim://?ttft=1ms&itl=100us", "--request-count", "4", "--isl", "5", "--osl", "2", "--warmup-request-count", "1",
		"--collect-server-traces", "127.0.0.1:0"}
	pl := mustResolve(t, append(args, "--concurrency", "1")...)
	if !pl.SimInProcess() || !says(pl, "Simulator started") {
		t.Fatal("no simulator")
	}
	q := flags(t, append(args, "--concurrency", "3", "--artifact-dir", t.TempDir())...)
	np, err := pl.WithLoad(plan.Env{}, q)
	if err != nil {
		t.Fatal(err)
	}
	if np.Concurrency() != 3 || &np.Conversations()[0] != &pl.Conversations()[0] || np.Files().Dir == pl.Files().Dir || np.Seed() != pl.Seed() {
		t.Errorf("concurrency %d, dir %s", np.Concurrency(), np.Files().Dir)
	}
	if len(np.Warmups()) != 1 {
		t.Error("the probe lost its warm-up")
	}
	np.Close() // shares its parent's simulator and receiver: closing it must not stop them
	if np.ServerTraces() != pl.ServerTraces() || pl.ServerTraces() == nil {
		t.Error("the probe has a receiver of its own")
	}
	if resp, err := http.Post("http://"+pl.ServerTraces().Addr().String()+"/v1/traces", "application/x-protobuf", nil); err != nil || resp.StatusCode != 200 {
		t.Errorf("the receiver stopped with the probe: %v %v", resp, err)
	}
	bad := flags(t, append(args, "--goodput", "x")...)
	if _, err := pl.WithLoad(plan.Env{}, bad); err == nil {
		t.Error("a bad probe was accepted")
	}
}

// A plan that fails after starting its sim:// server, or after writing
// its inline records, stops and removes them: nothing is left running or
// lying about.
func TestFailedResolveLeavesNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	before := runtime.NumGoroutine()
	_, err := plantest.Resolve(t, "--url", "sim://", "--custom-dataset-type", "single_turn", "--input-records", "{\"text\": 5}")
	if err == nil || !strings.Contains(err.Error(), "dataset.records.jsonl:1") {
		t.Fatalf("error %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "sonde-records-*")); len(left) != 0 {
		t.Errorf("records left: %v", left)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the simulator's goroutines end after Close
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines, %d before: the simulator still runs", n, before)
	}
}
