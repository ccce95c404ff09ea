package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Adaptive scale end to end: an SLA every window meets steps the
// concurrency 1 → 2 → 4 → 8 (a request rate, users), sustains the top and
// ends the phase after the sustain period, the server never seeing more
// than 8 at once. (A window that fails: internal/adapt and output's tests.)
func TestAdaptiveScale(t *testing.T) {
	run := func(sla string, load ...string) (map[string]any, []map[string]any, []simRecord) {
		sim := startSim(t, "--ttft", "2ms", "--itl", "1ms")
		dir := filepath.Join(t.TempDir(), "out")
		if load == nil {
			load = []string{"--adaptive-scale-control", "concurrency:1,8"}
		}
		res := runSonde(t, append([]string{"profile", "-m", "m", "--streaming", "--url", sim.addr, "--isl", "20", "--osl", "4",
			"--benchmark-duration", "60", "--adaptive-scale",
			"--adaptive-scale-assessment-period", "0.15", "--adaptive-scale-min-completed-requests", "4",
			"--adaptive-sustain-duration", "0.3", "--adaptive-scale-sla", sla, "--artifact-dir", dir, "--ui-type", "none"}, load...)...)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		var summary map[string]any
		readInto(t, filepath.Join(dir, "adaptive_scale_summary.json"), &summary)
		f, err := os.Open(filepath.Join(dir, "adaptive_scale_events.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var events []map[string]any
		for sc := bufio.NewScanner(f); sc.Scan(); {
			var e map[string]any
			json.Unmarshal(sc.Bytes(), &e)
			events = append(events, e)
		}
		if s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))["sonde"].(map[string]any)["adaptive_scale"]; s == nil {
			t.Error("no sonde.adaptive_scale in the summary")
		}
		if !strings.Contains(res.stdout, "sonde | Adaptive scale: ") {
			t.Errorf("console:\n%s", res.stdout)
		}
		return summary, events, sim.stop(t)
	}
	steps := func(events []map[string]any) string {
		var s []string
		for _, e := range events {
			s = append(s, e["event"].(string)+" "+jsonNum(e["control_value_before"])+"→"+jsonNum(e["control_value_after"]))
		}
		return strings.Join(s, ", ")
	}

	summary, events, recs := run("error_rate:avg:le:0.5")
	got := steps(events)
	if !strings.HasPrefix(got, "step_up 1→2, step_up 2→4, step_up 4→8, sustain_started 8→8") || events[len(events)-1]["event"] != "completed" {
		t.Errorf("events: %s", got)
	}
	if summary["boundary_value"] != 8.0 || summary["completed_reason"] != "sustain_duration_completed" || summary["first_failing_value"] != nil {
		t.Errorf("summary: %v", summary)
	}
	var iv [][2]int64
	for _, r := range recs {
		iv = append(iv, [2]int64{r.ReceivedNs, r.FinishedNs})
	}
	if n := maxOverlap(iv); n > 8 {
		t.Errorf("the server saw %d requests at once: above the control's maximum", n)
	}

	// A request rate doubles from 10/s: 10, 20, 40, 80 (its top).
	_, events, _ = run("error_rate:avg:le:0.5", "--request-rate", "10", "--concurrency", "16", "--adaptive-scale-control", "request_rate:10,80")
	if got := steps(events); !strings.HasPrefix(got, "step_up 10→20, step_up 20→40, step_up 40→80, sustain_started 80→80") {
		t.Errorf("rate events: %s", got)
	}

	// Users double from 1 at a fixed total rate of 40/s: 1, 2, 4, 8.
	_, events, _ = run("error_rate:avg:le:0.5", "--user-centric-rate", "40", "--num-users", "2", "--conversation-turn-mean", "2",
		"--adaptive-scale-control", "users:1,8")
	if got := steps(events); !strings.HasPrefix(got, "step_up 1→2, step_up 2→4, step_up 4→8, sustain_started 8→8") {
		t.Errorf("users events: %s", got)
	}

}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
