package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shapes of AIPerf's bundled config templates (testdata/aiperf-shapes,
// sonde's own files with the templates' structure and small budgets): each
// validates, and runs against the simulator with only the model and the
// URL given on the command line, writing its summary.
func TestAIPerfTemplateShapes(t *testing.T) {
	shapes, err := filepath.Abs("testdata/aiperf-shapes")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(shapes, "*.yaml"))
	if len(files) != 23 {
		t.Fatalf("%d template shapes, want the 23 sonde reads", len(files))
	}
	t.Chdir(shapes) // the fixed schedule's trace is ./data/schedule.jsonl, as AIPerf's template has it
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel() // mostly waiting on the simulator: the runs overlap
			if res := runSonde(t, "config", "validate", f); res.code != 0 {
				t.Fatalf("config validate: exit %d: %s", res.code, res.stderr)
			}
			dir := filepath.Join(t.TempDir(), "out")
			res := runSonde(t, "profile", "-f", f, "-m", "m", "--url", "sim://?ttft=1ms&itl=0s", "--artifact-dir", dir, "--ui-type", "none")
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			found, _ := filepath.Glob(filepath.Join(dir, "**", "profile_export_aiperf.json"))
			if direct, err := os.Stat(filepath.Join(dir, "profile_export_aiperf.json")); err == nil && !direct.IsDir() {
				found = append(found, "")
			}
			if len(found) == 0 {
				found, _ = filepath.Glob(filepath.Join(dir, "*", "*", "profile_export_aiperf.json"))
			}
			if len(found) == 0 {
				t.Fatalf("no summary under %s:\n%s", dir, res.stdout)
			}
			if name == "composed_dataset" { // the file's own output length kept, the others drawn
				in := readJSON(t, filepath.Join(dir, "inputs.json"))
				lengths := map[float64]bool{}
				for _, s := range in["data"].([]any) {
					for _, p := range s.(map[string]any)["payloads"].([]any) {
						lengths[p.(map[string]any)["max_completion_tokens"].(float64)] = true
					}
				}
				if !lengths[7] || len(lengths) < 2 {
					t.Errorf("max tokens sent: %v", lengths)
				}
			}
			if name == "user_files" { // rendered with the file's variables and the run's names
				params, _ := os.ReadFile(filepath.Join(dir, "params.json"))
				notes, _ := os.ReadFile(filepath.Join(dir, "NOTES.txt"))
				if !strings.Contains(string(params), `"concurrency": "4"`) || !strings.Contains(string(params), `"model": "m"`) ||
					string(notes) != "small-agg on m at concurrency 4\n" {
					t.Errorf("user files:\n%s\n%s", params, notes)
				}
			}
		})
	}
}
