package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mooncakeLines writes n timestamped requests, 1 ms apart, sharing their
// first hash block; bad, when above 0, makes that line unreadable.
func mooncakeLines(t *testing.T, n, bad int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i == bad {
			b.WriteString(`{"timestamp": "soon", "input_length": 20}` + "\n")
			continue
		}
		fmt.Fprintf(&b, `{"timestamp": %d, "input_length": 40, "output_length": 2, "hash_ids": [1, %d]}`+"\n", i, i+1)
	}
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A streamed trace: every request sent once, on its schedule, the file
// read as the run goes; a bad line ends the run with what was sent kept
// and the line named; a trace that cannot stream says why.
func TestStreamedTrace(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	run := func(trace string, extra ...string) ([]simRecord, runResult, string) {
		out := filepath.Join(t.TempDir(), "out")
		sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
		args := append([]string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--input-file", trace, "--custom-dataset-type", "mooncake_trace",
			"--input-streaming", "always", "--isl-block-size", "32", "--ui-type", "none", "--artifact-dir", out}, extra...)
		res := runSonde(t, args...)
		return sim.stop(t), res, out
	}
	recs, res, out := run(mooncakeLines(t, 1200, 0))
	lines := readJSONL(t, filepath.Join(out, "profile_export.jsonl"))
	if res.code != 0 || len(recs) != 1200 || len(lines) != 1200 || !strings.Contains(res.stderr, "Streaming ") {
		t.Fatalf("exit %d, %d requests, %d records: %s", res.code, len(recs), len(lines), res.stderr)
	}
	var inputs inputsFile
	data, _ := os.ReadFile(filepath.Join(out, "inputs.json"))
	jsonUnmarshal(data, &inputs)
	if len(inputs.Data) != 1000 {
		t.Errorf("inputs.json lists %d requests, want the first 1000", len(inputs.Data))
	}
	recs, res, _ = run(mooncakeLines(t, 1100, 1050))
	if res.code != 1 || len(recs) != 1049 || !strings.Contains(res.stderr, "trace.jsonl:1050") {
		t.Fatalf("a bad line: exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
	session := filepath.Join(t.TempDir(), "s.jsonl")
	os.WriteFile(session, []byte(`{"session_id": "a", "timestamp": 0, "input_length": 5}`+"\n"), 0o644)
	if _, res, _ = run(session); res.code != 2 || !strings.Contains(res.stderr, "cannot stream") || !strings.Contains(res.stderr, "one request per line") {
		t.Fatalf("sessions: exit %d: %s", res.code, res.stderr)
	}
}
