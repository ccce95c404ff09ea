package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// metricsOf is every metric block of a summary JSON, by tag.
func metricsOf(s map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for k, v := range s {
		if m, ok := v.(map[string]any); ok && m["unit"] != nil {
			out[k] = m
		}
	}
	return out
}

// sonde summarize rebuilds from profile_export.jsonl alone the very numbers
// the run itself wrote.
func TestSummarizeRebuildsTheSummary(t *testing.T) {
	sim := startSim(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, append([]string{"profile", "-m", "m", "--streaming", "--url", sim.addr, "--conversation-num", "6",
		"--conversation-turn-mean", "3", "--isl", "200", "--osl", "20", "--concurrency", "3", "--random-seed", "8",
		"--ui-type", "none", "--artifact-dir", dir}, includeUsage...)...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	orig := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	for _, f := range []string{"profile_export_aiperf.json", "profile_export_aiperf.csv"} {
		os.Remove(filepath.Join(dir, f))
	}
	res = runSonde(t, "summarize", dir)
	if res.code != 0 {
		t.Fatalf("summarize: exit %d: %s", res.code, res.stderr)
	}
	rebuilt := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	a, b := metricsOf(orig), metricsOf(rebuilt)
	if len(a) < 20 || len(a) != len(b) {
		t.Fatalf("%d metrics written by the run, %d rebuilt", len(a), len(b))
	}
	for tag, m := range a {
		for k, x := range m {
			y := b[tag][k]
			xf, ok1 := x.(float64)
			yf, ok2 := y.(float64)
			if ok1 && ok2 && math.Abs(xf-yf) <= 1e-9*math.Max(1, math.Abs(xf)) || !ok1 && x == y {
				continue
			}
			t.Errorf("%s.%s: run wrote %v, summarize rebuilt %v", tag, k, x, y)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "profile_export_aiperf.csv")); err != nil {
		t.Error(err)
	}
	if res := runSonde(t, "summarize", t.TempDir()); res.code != exitUsage || !strings.Contains(res.stderr, "profile_export.jsonl") {
		t.Errorf("a folder without records: exit %d %q", res.code, res.stderr)
	}
}

// A run killed with SIGKILL has flushed its records at least every second:
// summarize then rebuilds its summary. SIGHUP (a dropped SSH session) and
// SIGTERM end a run like Ctrl-C: everything measured is written, exit 130.
func TestKilledRunsKeepTheirRecords(t *testing.T) {
	t.Parallel() // mostly waiting past flushes
	if testing.Short() {
		t.Skip("waits past a flush twice")
	}
	srv := newFaultServer(t, 5, 2*time.Millisecond, nil) // 10 ms per request
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGHUP, syscall.SIGTERM} {
		dir := filepath.Join(t.TempDir(), "out")
		cmd, lines := startSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", srv.URL,
			"--request-count", "100000", "--concurrency", "2", "--isl", "10", "--artifact-dir", dir, "--ui-type", "none")
		before := srv.n.Load()
		for srv.n.Load()-before < 30 {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(1500 * time.Millisecond) // past one flush
		cmd.Process.Signal(sig)
		for range lines {
		}
		err := cmd.Wait()
		ee, _ := err.(*exec.ExitError)
		jsonl := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
		if sig != syscall.SIGKILL {
			if ee == nil || ee.ExitCode() != exitInterrupted {
				t.Fatalf("%v: %v", sig, err)
			}
			if int64(len(jsonl)) != srv.n.Load()-before {
				t.Fatalf("%v: %d records, the server saw %d requests", sig, len(jsonl), srv.n.Load()-before)
			}
			continue
		}
		if len(jsonl) < 20 {
			t.Fatalf("SIGKILL after 1.5 s left %d records", len(jsonl))
		}
		res := runSonde(t, "summarize", dir)
		if res.code != 0 {
			t.Fatalf("summarize: exit %d: %s", res.code, res.stderr)
		}
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if got := stat(t, s, "request_count", "avg"); int(got) != len(jsonl) {
			t.Fatalf("request_count %v of %d records", got, len(jsonl))
		}
	}
}

// Requests still in flight when the grace period ends are cut: each has a
// record (a RequestCancelledError), the summary counts them, and a run in
// which every request was cut exits 1.
func TestGraceCutsAreRecorded(t *testing.T) {
	for _, stallAll := range []bool{true, false} {
		srv := newFaultServer(t, 4, 5*time.Millisecond, func(n int64) string {
			if stallAll || n%3 == 0 {
				return "stall"
			}
			return ""
		})
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", srv.URL,
			"--benchmark-duration", "1", "--benchmark-grace-period", "0.3", "--concurrency", "3", "--isl", "10",
			"--artifact-dir", dir, "--ui-type", "none")
		lines := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
		if int64(len(lines)) != srv.n.Load() {
			t.Fatalf("server saw %d requests, %d records", srv.n.Load(), len(lines))
		}
		cut := 0
		for _, l := range lines {
			if l.Error != nil && l.Error.Type == "RequestCancelledError" {
				cut++
			}
		}
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if got := s["sonde"].(map[string]any)["cut_requests"].(float64); int(got) != cut || cut == 0 {
			t.Fatalf("cut_requests %v, records cut %d", got, cut)
		}
		wantCode := 0
		if stallAll {
			wantCode = exitFailed
		}
		if res.code != wantCode {
			t.Fatalf("every request stalled %v: exit %d, want %d: %s", stallAll, res.code, wantCode, res.stderr)
		}
	}
}

// A full disk: the streamed raw export fails first, yet the small summaries
// are written; a summary that cannot be written leaves no partial file and
// is not named as written; the run exits 1 either way.
func TestDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	for _, full := range []string{"profile_export_aiperf.json.tmp"} {
		dir := filepath.Join(t.TempDir(), "out")
		os.MkdirAll(dir, 0o755)
		if err := os.Symlink("/dev/full", filepath.Join(dir, full)); err != nil {
			t.Fatal(err)
		}
		res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--request-count", "20",
			"--isl", "10", "--osl", "5", "--ui-type", "none", "--artifact-dir", dir, "--export-level", "raw")
		if res.code != exitFailed || !strings.Contains(res.stderr, "no space left on device") {
			t.Fatalf("%s on a full disk: exit %d, stderr %q", full, res.code, res.stderr)
		}
		jsonPath := filepath.Join(dir, "profile_export_aiperf.json")
		_, err := os.Stat(jsonPath)
		written := err == nil
		if written != strings.Contains(res.stdout, "JSON Export: "+jsonPath) {
			t.Errorf("%s: the console names the summary (written: %v):\n%s", full, written, res.stdout)
		}
		if _, err := os.Lstat(filepath.Join(dir, "profile_export_aiperf.json.tmp")); err == nil {
			t.Errorf("%s: a partial .tmp file was left", full)
		}
	}
}

// A whole run in-process — simulator, engine, processor, UI, signal watcher —
// leaves no goroutine behind.
func TestRunLeavesNoGoroutine(t *testing.T) {
	opts := []goleak.Option{goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction("os/signal.signal_recv"), goleak.IgnoreAnyFunction("os/signal.loop")}
	defer func() {
		var err error
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if err = goleak.Find(opts...); err == nil {
				return
			}
		}
		t.Error(err)
	}()
	for _, args := range [][]string{
		{"--conversation-num", "4", "--conversation-turn-mean", "2", "--concurrency", "2"},
		{"--request-count", "20", "--request-rate", "500", "--connection-reuse-strategy", "sticky-user-sessions"},
		{"--benchmark-duration", "0.3", "--benchmark-grace-period", "0", "--concurrency", "3", "--ui-type", "simple"},
	} {
		res := runSonde(t, append([]string{"profile", "-m", "m", "--streaming", "--url", "sim://?ttft=2ms&itl=1ms", "--isl", "10",
			"--osl", "5", "--ui-type", "none", "--artifact-dir", t.TempDir()}, args...)...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, res.code, res.stderr)
		}
	}
}

func TestCalibrateCommand(t *testing.T) {
	res := runSonde(t, "calibrate", "--quick")
	if res.code != 0 || !strings.Contains(res.stdout, "highest rate held") || !strings.Contains(res.stdout, "streamed chunks per CPU-second") {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}
