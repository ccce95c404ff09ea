package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

// The CLI as an attacker sees it: random flags and values, and random
// config files. Every run ends with exit 0, 1, 2 — or 130 once interrupted,
// for a run that was asked to take long (a day of think time) — never a
// panic, an out-of-memory or a hang. `go test` runs the seeds; `go test
// -fuzz FuzzCLI ./cmd/sonde` searches further.
func FuzzCLI(f *testing.F) {
	for _, seed := range []string{
		"", "--concurrency 2", "--isl -5", "--isl 2000000000", "--request-rate inf", "--request-rate 1e308", "--osl 0",
		"--input-file zero --custom-dataset-type mooncake_trace", "--conversation-turn-delay-mean 100000000",
		"-H \x0a", "-H X:\x0d\x0aY:1", "--goodput x:y", "--concurrency-min 1 --concurrency-max 3 --ttft-sla-ms 1",
		"--num-profile-runs 2", "--warmup-request-count 2", "--extra-inputs {", "--slice-duration 0.001",
		"--request-cancellation-rate 50 --request-cancellation-delay 0", "--concurrency 1,2", "--session-header \x00",
		"--profile-export-prefix ..", "--endpoint-type embeddings", "--streaming --endpoint-type completions",
		"--benchmark-duration 0.2", "--user-centric-rate 5 --num-users 2", "--seq-dist 10,5:50;", "--failed-request-threshold 0",
		"--config bad.yaml", "-m", "--export-level raw --export-outputs-json", "--conversation-turn-mean 1e9",
		"--image-width-mean 16 --image-height-mean 16 --image-batch-size 2 --image-format random", "--image-width-mean 1e9 --image-height-mean 8",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("phases: [{type: concurrency, concurrency: ${X:0}}]\nsonde: {isl: -1}\n"), 0o644)
		os.Symlink("/dev/zero", filepath.Join(dir, "zero"))
		args := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", "sim://?ttft=0&itl=0", "--request-count", "3", "--ui-type", "none"}
		for i, a := range strings.Fields(line) {
			if i == 16 {
				break
			}
			// Loopback only, and nothing written outside the test's folder.
			if strings.Contains(a, "://") || strings.HasPrefix(a, "/") || a == "-u" || strings.HasPrefix(a, "--url") || strings.HasPrefix(a, "--otel") || strings.Contains(a, "..") && !strings.HasPrefix(a, "-") {
				continue
			}
			args = append(args, a)
		}
		code := runBounded(t, dir, args, 20*time.Second)
		if code != exitOK && code != exitFailed && code != exitUsage && code != exitInterrupted {
			t.Fatalf("sonde %q: exit %d", args, code)
		}
	})
}

// runBounded runs the CLI in-process in dir (relative paths resolve there);
// past bound it is interrupted, and must then end within a few seconds.
func runBounded(t *testing.T, dir string, args []string, bound time.Duration) int {
	var out, errb sondetest.Buffer
	var sig signals
	done := make(chan int, 1)
	go func() {
		done <- run(env{Args: args, Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Dir: dir, Clock: clock.New, Signals: sig.notify})
	}()
	select {
	case code := <-done:
		return code
	case <-time.After(bound):
	}
	deadline := time.After(30 * time.Second)
	for {
		sig.send(syscall.SIGINT)
		select {
		case code := <-done:
			return code
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("sonde %q did not end after an interrupt\nstderr:\n%s", args, errb.String())
		}
	}
}

// FuzzConfigFile: random YAML given to --config is read or refused (exit 0
// or 2, with the file named), never a panic.
func FuzzConfigFile(f *testing.F) {
	for _, seed := range []string{
		"", "model: m", "benchmark: [1]", "phases: {type: warp}", "variables: {a: 1}\nmodel: \"{{ a }}\"", "a: [\n",
		"model: ${UNSET}", "sonde: {no-such: 1}", "dataset: {prompts: {isl: {mean: [1]}}}", "phases: [{type: concurrency, concurrency: 1e99}]",
		"endpoint: {headers: {\"X\\nY\": z}}", "slos: {time_to_first_token: -1}", "&a [*a]", "benchmark: {endpoint: {urls: 5}}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "fuzz.yaml")
		os.WriteFile(path, []byte(text), 0o644)
		var out, errb sondetest.Buffer
		code := run(env{Args: []string{"config", "validate", path}, Stdout: &out, Stderr: &errb, Getenv: os.Getenv})
		if code != exitOK && code != exitUsage {
			t.Fatalf("config validate: exit %d: %s", code, errb.String())
		}
		if code == exitUsage && !strings.Contains(errb.String(), "fuzz.yaml") && !strings.Contains(errb.String(), "--") {
			t.Errorf("an error that names neither the file nor a flag: %s", errb.String())
		}
	})
}
