package tracker

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/export/exporttest"
	"github.com/sonde-bench/sonde/internal/tracker/trackertest"
)

func TestMetrics(t *testing.T) {
	m, err := Metrics([]byte(`{"schema_version":"1.5","time_to_first_token":{"unit":"ms","avg":2,"p99":3,"count":4},
		"http_req_waiting":{"unit":"ms","p95":1},"request_count":{"unit":"requests","avg":7},"x":{"avg":1},"input_config":{"a":1}}`), "system/")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"time_to_first_token": 2, "time_to_first_token.p99": 3, "system/http_req_waiting.p95": 1, "request_count": 7, "aiperf.completed_requests": 7}
	if fmt.Sprint(m) != fmt.Sprint(want) {
		t.Fatalf("%v", m)
	}
	if _, err := Metrics([]byte("{"), ""); err == nil {
		t.Fatal("bad JSON read")
	}
}

func TestArtifacts(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.json", "b.csv", "plots/ttft.png", "plots/deep/x.png", "logs/aiperf.log", "c.json"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	got, err := Artifacts(dir, []string{"*.json", "**/*.png", "*.json", "*.csv"})
	if err != nil || !slices.Equal(got, []string{"a.json", "c.json", "plots/deep/x.png", "plots/ttft.png", "b.csv"}) {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := Artifacts(dir, []string{"[bad"}); err == nil {
		t.Fatal("a bad glob was taken")
	}
	for rel, want := range map[string]string{"a.json": "exports", "plots/ttft.png": "plots", "plots/deep/x.png": "plots/deep", "sub/r.csv": "exports/sub"} {
		if got := artifactPath(rel); got != want {
			t.Errorf("%s: %s, want %s", rel, got, want)
		}
	}
}

// run writes a fixture run folder, with a plot in a subfolder.
func run(t *testing.T) Run {
	dir := t.TempDir()
	if _, err := exporttest.Write(dir, exporttest.Shape{Sessions: 2, Turns: 2, Tokens: 3, TTFT: 10 * time.Millisecond, ITL: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "plots"), 0o755)
	os.WriteFile(filepath.Join(dir, "plots", "ttft.png"), []byte("png"), 0o644)
	return Run{Files: export.Files{Dir: dir}, BenchmarkID: "0123456789ab", Version: "v-test", StartMs: 1700000000000, EndMs: 1700000001000,
		Params: map[string]string{"endpoint.type": "chat"}, Config: map[string]any{"models": []string{"m"}}}
}

func env(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

// A run goes to MLflow whole: a new experiment, the run under its parent,
// every statistic in batches within MLflow's limits, the params, the
// tags, the files as artifacts and mlflow_export.json; the run ends.
func TestMLflowExport(t *testing.T) {
	srv := trackertest.NewMLflow(t)
	srv.Token = "tok-s3cret"
	srv.Runs["parent1"] = &trackertest.MLflowRun{}
	r := run(t)
	for i := range 150 { // more params than one batch holds
		r.Params[fmt.Sprintf("p%03d", i)] = "v"
	}
	var warnings []string
	m := MLflow{URI: srv.URL, Experiment: "bench", Tags: map[string]string{"team": "perf"}, ParentRunID: "parent1", Globs: DefaultGlobs(),
		Getenv: env("MLFLOW_TRACKING_TOKEN", "tok-s3cret"), Client: http.DefaultClient}
	out, err := m.Export(context.Background(), r, func(w string) { warnings = append(warnings, w) })
	if err != nil || len(warnings) > 0 {
		t.Fatalf("%v %v", err, warnings)
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.Bad) > 0 {
		t.Fatalf("refused: %v", srv.Bad)
	}
	got := srv.Runs[out.RunID]
	if got == nil || got.Name != "sonde-01234567" || got.Status != "FINISHED" || got.EndTime != r.EndMs || srv.Experiments["bench"] != got.Experiment {
		t.Fatalf("run %+v", got)
	}
	if got.Tags["mlflow.parentRunId"] != "parent1" || got.Tags["team"] != "perf" || got.Tags["sonde.version"] != "v-test" || len(got.Params) != 151 {
		t.Fatalf("tags %v, %d params", got.Tags, len(got.Params))
	}
	if got.Metrics["time_to_first_token"] <= 0 || len(got.Metrics) != len(out.MetricKeys) {
		t.Fatalf("%d metrics, %d keys", len(got.Metrics), len(out.MetricKeys))
	}
	root := got.Experiment + "/" + out.RunID + "/artifacts/"
	for _, want := range []string{"exports/profile_export_aiperf.json", "exports/profile_export.jsonl", "plots/ttft.png", "exports/mlflow_export.json"} {
		if _, ok := srv.Artifacts[root+want]; !ok {
			t.Errorf("no artifact %s among %d", want, len(srv.Artifacts))
		}
	}
	b, _ := os.ReadFile(r.Files.MLflowExport())
	if !strings.Contains(string(b), out.RunID) || !strings.Contains(string(b), `"parent_run_id": "parent1"`) || strings.Contains(string(b), "s3cret") {
		t.Fatalf("mlflow_export.json: %s", b)
	}
}

// More metrics than one batch holds go in several.
func TestMLflowBatches(t *testing.T) {
	srv := trackertest.NewMLflow(t)
	r := run(t)
	var doc strings.Builder
	doc.WriteString("{")
	for i := range 200 {
		fmt.Fprintf(&doc, `"m%03d":{"unit":"ms","avg":1,"p1":1,"p5":1,"p10":1,"p25":1,"p50":1,"p75":1,"p90":1,"p95":1,"p99":1,"min":1,"max":1,"std":1},`, i)
	}
	doc.WriteString(`"end":{"unit":"ms","avg":1}}`)
	os.WriteFile(r.Files.SummaryJSON(), []byte(doc.String()), 0o644)
	m := MLflow{URI: srv.URL, Experiment: "aiperf", Globs: []string{"none"}, Getenv: env(), Client: http.DefaultClient}
	out, err := m.Export(context.Background(), r, func(w string) { t.Error(w) })
	if err != nil {
		t.Fatal(err)
	}
	srv.Lock()
	defer srv.Unlock()
	if n := len(srv.Runs[out.RunID].Metrics); n != 2601 || len(srv.Bad) > 0 {
		t.Fatalf("%d metrics, refused %v", n, srv.Bad)
	}
}

// What goes wrong is said: a parent that does not exist makes a root run;
// an artifact store the server does not proxy keeps the files home; a
// wrong token fails the export.
func TestMLflowTroubles(t *testing.T) {
	srv := trackertest.NewMLflow(t)
	srv.ArtifactRoot = "s3://bucket/mlruns"
	var warnings []string
	m := MLflow{URI: srv.URL, Experiment: "aiperf", ParentRunID: "gone", Globs: DefaultGlobs(), Getenv: env(), Client: http.DefaultClient}
	out, err := m.Export(context.Background(), run(t), func(w string) { warnings = append(warnings, w) })
	if err != nil || len(warnings) != 2 || !strings.Contains(warnings[0], "parent run gone") || !strings.Contains(warnings[1], "--serve-artifacts") {
		t.Fatalf("%v %q", err, warnings)
	}
	srv.Lock()
	if srv.Runs[out.RunID].Tags["mlflow.parentRunId"] != "" || len(srv.Artifacts) != 0 {
		t.Errorf("run %+v, %d artifacts", srv.Runs[out.RunID], len(srv.Artifacts))
	}
	srv.Token = "other"
	srv.Unlock()
	if _, err := m.Export(context.Background(), run(t), func(string) {}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("no token: %v", err)
	}
	if got := mlflowAuth(env("MLFLOW_TRACKING_USERNAME", "u", "MLFLOW_TRACKING_PASSWORD", "p")); got != "Basic dTpw" {
		t.Errorf("basic auth %q", got)
	}
}

// A run goes to W&B: the run with its config, tags and summary, its files
// (uploaded without the key), and finished.
func TestWandBExport(t *testing.T) {
	srv := trackertest.NewWandB(t, "key-s3cret")
	r := run(t)
	w := WandB{Project: "bench", Tags: []string{"nightly"}, Globs: DefaultGlobs(), Getenv: env("WANDB_API_KEY", "key-s3cret", "WANDB_BASE_URL", srv.URL),
		Client: http.DefaultClient}
	where, err := w.Export(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	srv.Lock()
	defer srv.Unlock()
	if len(srv.Bad) > 0 {
		t.Fatalf("refused: %v", srv.Bad)
	}
	id := where[strings.LastIndex(where, "/")+1:]
	got := srv.Runs[id]
	if where != "me/bench/"+id || got == nil || got.DisplayName != "sonde-01234567" || !got.Complete || got.ExitCode != 0 {
		t.Fatalf("%s: %+v", where, got)
	}
	if !slices.Equal(got.Tags, []string{"sonde-v-test", "benchmark-01234567", "nightly"}) || got.Config["input_config"] == nil || got.Summary["time_to_first_token"] <= 0 {
		t.Fatalf("tags %v, config %v, summary %v", got.Tags, got.Config, got.Summary)
	}
	if _, ok := got.Files["profile_export.jsonl"]; !ok || len(got.Files["plots/ttft.png"]) == 0 {
		t.Fatalf("files %d", len(got.Files))
	}
	if _, err := (WandB{Project: "p", Getenv: env(), Client: http.DefaultClient}).Export(context.Background(), r); err == nil || !strings.Contains(err.Error(), "WANDB_API_KEY") {
		t.Fatalf("no key: %v", err)
	}
}
