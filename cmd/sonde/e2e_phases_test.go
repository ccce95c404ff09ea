package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run of several profiling phases (--phase, AIPerf's multi-phase config
// files): each phase sends its own budget at its own load, with its own
// cancellation and prompts; the results cover them all, a summary per
// phase stands beside them, and every record names its phase.
func TestProfilingPhases(t *testing.T) {
	sim := startSim(t, "--ttft", "2ms", "--itl", "1ms")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--isl", "50", "--osl", "20",
		"--concurrency", "1", "--request-count", "6", "--phase-name", "baseline",
		"--phase", "storm:concurrency=4;request-count=12;request-cancellation-rate=100;request-cancellation-delay=0",
		"--phase", "long:concurrency=2;request-count=4;isl=400",
		"--artifact-dir", dir, "--ui-type", "none")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	recs := sim.stop(t)
	lines := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	if len(lines) != 22 {
		t.Fatalf("%d records, want 6 + 12 + 4", len(lines))
	}
	byPhase := map[string]int{}
	sessions := map[int]bool{}
	for _, l := range lines {
		ph := l.Metadata.PhaseName
		byPhase[ph]++
		sessions[l.Metadata.SessionNum] = true
		isl, _ := l.Metrics["input_sequence_length"].Value.(float64)
		switch {
		case ph == "storm" && l.Error == nil:
			t.Errorf("a storm request was not cancelled: %+v", l.Metadata)
		case ph != "storm" && l.Error != nil:
			t.Errorf("a %s request failed: %+v", ph, l.Error)
		case ph == "long" && isl != 400, ph == "baseline" && isl != 50:
			t.Errorf("a %s request had ISL %v", ph, isl)
		}
	}
	if byPhase["baseline"] != 6 || byPhase["storm"] != 12 || byPhase["long"] != 4 || len(sessions) != 22 {
		t.Errorf("records by phase %v, %d distinct sessions", byPhase, len(sessions))
	}
	// Every request the server answered or saw cancelled is a record.
	if len(recs) > 22 || len(recs) < 10 {
		t.Errorf("the server saw %d requests", len(recs))
	}
	summary := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	phases := summary["sonde"].(map[string]any)["phases"].([]any)
	want := []struct {
		name      string
		ok, errs  float64
		loadWords string
	}{{"baseline", 6, 0, "concurrency 1, 6 requests"}, {"storm", 0, 12, "100% cancelled"}, {"long", 4, 0, "concurrency 2, 4 requests"}}
	for i, w := range want {
		ph := phases[i].(map[string]any)
		if ph["name"] != w.name || ph["request_count"] != w.ok || ph["error_request_count"] != w.errs || !strings.Contains(ph["load"].(string), w.loadWords) {
			t.Errorf("phase %d: %v", i, ph)
		}
	}
	if n := stat(t, summary, "request_count", "avg"); n != 10 {
		t.Errorf("request_count %v: the summary covers every phase's answers", n)
	}
	if !strings.Contains(res.stdout, "sonde | Phases (3; the results above cover them all)") {
		t.Errorf("console:\n%s", res.stdout)
	}
	if csv, _ := os.ReadFile(filepath.Join(dir, "profile_export_aiperf.csv")); !strings.Contains(string(csv), "storm,") {
		t.Errorf("CSV:\n%s", csv)
	}
}

// A phase's flags are checked as a run's: bad ones exit 2 naming the
// phase, before anything is sent.
func TestBadPhases(t *testing.T) {
	for arg, want := range map[string]string{
		"x:concurrency=-1":           "--phase x: --concurrency must",
		"x:model-names=other":        "--model-names is the run's, not a phase's",
		"x:arrival-pattern=zipf":     "arrival-pattern=zipf: one of",
		"x:concurrency=1,2":          "a phase takes one value per flag",
		"profiling:concurrency=2":    "a second phase named profiling",
		"x:nonsense=1":               "nonsense is not a flag",
		"x:concurrency":              `"concurrency" is not KEY=VALUE`,
		":concurrency=2":             "needs a name",
		"x:seamless=perhaps":         `seamless="perhaps"`,
		"x:isl-distribution={\"a\"}": "--phase x: --isl-distribution",
	} {
		res := runSonde(t, "profile", "-m", "m", "--url", "sim://", "--phase", arg, "--artifact-dir", t.TempDir(), "--ui-type", "none")
		if res.code != 2 || !strings.Contains(res.stderr, want) {
			t.Errorf("--phase %s: exit %d, %q; want %q", arg, res.code, res.stderr, want)
		}
	}
}

// A seamless phase starts once the phase before has sent its last request,
// while that one's answers are still coming; without seamless it starts
// after them.
func TestSeamlessPhases(t *testing.T) {
	for _, seamless := range []bool{true, false} {
		sim := startSim(t, "--ttft", "300ms", "--itl", "1ms")
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--isl", "20", "--osl", "2",
			"--concurrency", "3", "--request-count", "3", "--phase-name", "a",
			"--phase", fmt.Sprintf("b:concurrency=2;request-count=2;seamless=%v", seamless), "--artifact-dir", dir, "--ui-type", "none")
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		sim.stop(t)
		var aEnd, bStart int64
		for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
			switch l.Metadata.PhaseName {
			case "a":
				aEnd = max(aEnd, l.Metadata.RequestEndNs)
			case "b":
				if bStart == 0 || l.Metadata.RequestStartNs < bStart {
					bStart = l.Metadata.RequestStartNs
				}
			}
		}
		if overlap := bStart < aEnd; overlap != seamless || bStart == 0 {
			t.Errorf("seamless %v: b's first request %d ns after a's last answer", seamless, bStart-aEnd)
		}
	}
}
