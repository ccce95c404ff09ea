package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sonde config: every template validates and the small ones run against
// the simulator with the URL and budget given as flags; validate exits 2
// naming the file, line or flag; expand prints what a file resolves to.
func TestConfigCommands(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	list := runSonde(t, "config", "init", "--list")
	names := strings.Fields(list.stdout)
	if list.code != 0 || len(names) < 4 {
		t.Fatalf("templates: %v", list)
	}
	dir := t.TempDir()
	for _, name := range names {
		path := filepath.Join(dir, name+".yaml")
		if res := runSonde(t, "config", "init", name, "-o", path); res.code != 0 {
			t.Fatalf("init %s: %d %s", name, res.code, res.stderr)
		}
		if res := runSonde(t, "config", "validate", path); res.code != 0 || !strings.Contains(res.stdout, "valid") {
			t.Errorf("the template %s does not validate: %s", name, res.stderr)
		}
	}
	for _, name := range []string{"minimal", "multi_turn"} {
		args := []string{"profile", "-f", filepath.Join(dir, name+".yaml"), "--url", "sim://?ttft=1ms&itl=100us", "--osl", "2", "--isl", "10",
			"--artifact-dir", t.TempDir(), "--ui-type", "none"}
		if name == "minimal" {
			args = append(args, "--request-count", "4")
		} else {
			args = append(args, "--conversation-num", "3", "--conversation-turn-delay-mean", "0")
		}
		if res := runSonde(t, args...); res.code != 0 {
			t.Errorf("the template %s does not run: %d %s", name, res.code, res.stderr)
		}
	}
	if res := runSonde(t, "config", "init", "nope"); res.code != exitUsage || !strings.Contains(res.stderr, "no template named") {
		t.Errorf("an unknown template: %d %s", res.code, res.stderr)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("benchmark:\n  endpoint:\n    ur: x\n"), 0o644)
	if res := runSonde(t, "config", "validate", bad); res.code != exitUsage || !strings.Contains(res.stderr, "bad.yaml:3: unknown key") {
		t.Errorf("a bad key: %d %s", res.code, res.stderr)
	}
	os.WriteFile(bad, []byte("benchmark:\n  model: m\n  endpoint: {url: localhost:1}\n  profiling: {concurrency: 0}\n"), 0o644)
	if res := runSonde(t, "config", "validate", bad); res.code != exitUsage || !strings.Contains(res.stderr, "--concurrency must be at least 1") {
		t.Errorf("a bad value: %d %s", res.code, res.stderr)
	}
	res := runSonde(t, "config", "expand", filepath.Join(dir, "goodput_slo.yaml"))
	if res.code != 0 || !strings.Contains(res.stdout, "goodput: ") || !strings.Contains(res.stdout, `schemaVersion: "2.0"`) {
		t.Errorf("expand: %d %s%s", res.code, res.stdout, res.stderr)
	}
	// AIPerf's init flags: the template by --template, the model and URL
	// written in, a search by word.
	res = runSonde(t, "config", "init", "--template", "goodput_slo", "--model", "my/model", "--url", "http://x:9")
	if res.code != 0 || !strings.Contains(res.stdout, "model: my/model") || !strings.Contains(res.stdout, `url: "http://x:9"`) {
		t.Errorf("init --template --model --url: %d %s%s", res.code, res.stdout, res.stderr)
	}
	if res = runSonde(t, "config", "init", "--search", "turn"); res.stdout != "multi_turn\n" {
		t.Errorf("init --search turn: %q", res.stdout)
	}
	// A sweep's variations, listed, or one of them whole.
	sweep := filepath.Join("testdata", "aiperf-shapes", "sweep_distributions.yaml")
	res = runSonde(t, "config", "expand", sweep)
	if res.code != 0 || strings.Count(res.stdout, "# variation ") != 6 || !strings.Contains(res.stdout, "# variation 5: isl_3-concurrency_2") {
		t.Errorf("expand a sweep: %d %s%s", res.code, res.stdout, res.stderr)
	}
	res = runSonde(t, "config", "expand", sweep, "--full", "--index", "2")
	if res.code != 0 || !strings.Contains(res.stdout, "# variation 2: isl_2-concurrency_1") || !strings.Contains(res.stdout, "median: 30") {
		t.Errorf("expand --full --index 2: %d %s%s", res.code, res.stdout, res.stderr)
	}
	if res = runSonde(t, "config", "expand", sweep, "--index", "9"); res.code != exitUsage || !strings.Contains(res.stderr, "variations 0 to 5") {
		t.Errorf("expand --index 9: %d %s", res.code, res.stderr)
	}
}
