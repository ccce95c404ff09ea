package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/tracker/trackertest"
)

// A finished run goes to MLflow and W&B (fakes that implement their
// documented calls and refuse anything else): its statistics, params,
// tags and files, with credentials from the environment that reach no
// file and no console.
func TestExperimentTrackers(t *testing.T) {
	sim := startSim(t)
	ml := trackertest.NewMLflow(t)
	ml.Token = "ml-tok-s3cret"
	wb := trackertest.NewWandB(t, "wb-key-s3cret")
	dir := filepath.Join(t.TempDir(), "out")
	getenv := func(k string) string {
		switch k {
		case "MLFLOW_TRACKING_TOKEN":
			return "ml-tok-s3cret"
		case "WANDB_API_KEY":
			return "wb-key-s3cret"
		case "WANDB_BASE_URL":
			return wb.URL
		}
		return os.Getenv(k)
	}
	res := runSondeEnv(t, env{Getenv: getenv}, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", sim.addr, "--request-count", "6", "--isl", "20", "--osl", "4",
		"--concurrency", "2", "--ui-type", "none", "--artifact-dir", dir, "--mlflow-tracking-uri", strings.Replace(ml.URL, "http://", "http://u:uri-s3cret@", 1), "--mlflow-experiment", "nightly",
		"--mlflow-tag", "team:perf,gpu=h100", "--mlflow-run-name", "c2", "--wandb-project", "bench", "--wandb-tag", "t1")
	if res.code != 0 || strings.Contains(res.stderr, "WARNING") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	ml.Lock()
	if len(ml.Bad) > 0 || len(ml.Runs) != 1 || ml.Runs["run1"].Name != "c2" || ml.Runs["run1"].Tags["gpu"] != "h100" || ml.Runs["run1"].Params["loadgen.concurrency"] != "2" ||
		ml.Runs["run1"].Metrics["request_count"] != 6 || ml.Artifacts[ml.Experiments["nightly"]+"/run1/artifacts/exports/profile_export.jsonl"] == nil {
		t.Errorf("MLflow: refused %v, runs %+v, %d artifacts", ml.Bad, ml.Runs["run1"], len(ml.Artifacts))
	}
	ml.Unlock()
	wb.Lock()
	if len(wb.Bad) > 0 || len(wb.Runs) != 1 {
		t.Errorf("W&B: refused %v, %d runs", wb.Bad, len(wb.Runs))
	}
	for _, r := range wb.Runs {
		if !r.Complete || r.Summary["request_count"] != 6 || r.Files["profile_export_aiperf.json"] == nil {
			t.Errorf("W&B run %+v", r)
		}
	}
	wb.Unlock()
	if !strings.Contains(res.stderr, `MLflow: run c2 (run1) in experiment "nightly"`) || !strings.Contains(res.stderr, "Weights & Biases: run me/bench/") {
		t.Errorf("stderr:\n%s", res.stderr)
	}
	for _, s := range []string{"ml-tok-s3cret", "wb-key-s3cret", "uri-s3cret"} {
		assertNoSecret(t, dir, res, s)
	}
}

// A tracker that cannot be reached is a warning: the run and its files
// stand. Tracker flags without their tracker are usage errors.
func TestExperimentTrackersDown(t *testing.T) {
	sim := startSim(t)
	dir := t.TempDir()
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--request-count", "2", "--isl", "5", "--osl", "2", "--ui-type", "none",
		"--artifact-dir", dir, "--mlflow-tracking-uri", "http://127.0.0.1:1", "--wandb-project", "p")
	if res.code != 0 || !strings.Contains(res.stderr, "MLflow: http://127.0.0.1:1") || !strings.Contains(res.stderr, "WANDB_API_KEY is not set") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "profile_export_aiperf.json")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{{"--mlflow-tag", "x:y"}, {"--wandb-entity", "e"}, {"--mlflow-tracking-uri", "file:///tmp/mlruns"}, {"--mlflow-tracking-uri", "http://h", "--mlflow-tag", "novalue"}} {
		res := runSonde(t, append([]string{"profile", "-m", "m", "--url", sim.addr, "--ui-type", "none", "--artifact-dir", dir}, bad...)...)
		if res.code != exitUsage {
			t.Errorf("%v: exit %d: %s", bad, res.code, res.stderr)
		}
	}
}
