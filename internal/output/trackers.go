package output

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/tracker"
)

// trackersOutput sends the finished run to MLflow and W&B (--mlflow-*,
// --wandb-*): the last output, so that every file is written when it goes.
// A tracker that fails is a warning, not a failed run.
type trackersOutput struct {
	p      *config.Profile
	files  export.Files
	getenv func(string) string
	info   func(string)
	warn   func(string)
	run    *export.Run
}

// NewTrackers is the trackers' output, or nil when none is asked for.
func NewTrackers(p *config.Profile, files export.Files, getenv func(string) string, info, warn func(string)) Output {
	if p.MLflowTrackingURI == "" && p.WandBProject == "" {
		return nil
	}
	return &trackersOutput{p: p, files: files, getenv: getenv, info: info, warn: warn}
}

func (o *trackersOutput) Start(context.Context) error { return nil }
func (o *trackersOutput) Stop() error                 { return nil }

// Contribute keeps what the trackers are told of the run.
func (o *trackersOutput) Contribute(_ *metrics.Summary, run *export.Run) { o.run = run }

// exportTimeout bounds all of a tracker's calls (AIPerf's export timeout).
const exportTimeout = 5 * time.Minute

// Write sends the run to each tracker asked for.
func (o *trackersOutput) Write() error {
	if o.run == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
	defer cancel()
	timeout := 30 * time.Second
	if s, err := strconv.ParseFloat(o.getenv("MLFLOW_HTTP_REQUEST_TIMEOUT"), 64); err == nil && s > 0 {
		timeout = time.Duration(s * float64(time.Second))
	}
	hc := &http.Client{Timeout: timeout}
	r := tracker.Run{Files: o.files, BenchmarkID: o.run.BenchmarkID, Version: o.run.Version, Cancelled: o.run.WasCancelled,
		StartMs: o.run.StartTime.UnixMilli(), EndMs: o.run.EndTime.UnixMilli(), Params: params(o.p, o.run), Config: o.run.InputConfig}
	if o.p.MLflowTrackingURI != "" {
		tags, _ := o.p.MLflowTagMap() // validated
		m := tracker.MLflow{URI: o.p.MLflowTrackingURI, ShownURI: config.RedactURL(o.p.MLflowTrackingURI), Experiment: o.p.MLflowExperiment, RunName: o.p.MLflowRunName, Tags: tags,
			ParentRunID: o.p.MLflowParentRunID, Globs: globs(o.p.MLflowArtifactGlobs), Getenv: o.getenv, Client: hc}
		out, err := m.Export(ctx, r, o.warn)
		switch {
		case err != nil:
			o.warn(fmt.Sprintf("MLflow: %s: %v", config.RedactURL(o.p.MLflowTrackingURI), err))
		default:
			o.info(fmt.Sprintf("MLflow: run %s (%s) in experiment %q: %d metrics, %d artifacts", out.RunName, out.RunID, out.Experiment,
				len(out.MetricKeys), len(out.UploadedArtifacts)))
		}
	}
	if o.p.WandBProject != "" {
		w := tracker.WandB{Project: o.p.WandBProject, Entity: o.p.WandBEntity, RunName: o.p.WandBRunName, Tags: o.p.WandBTags,
			Globs: tracker.DefaultGlobs(), Getenv: o.getenv, Client: hc}
		if where, err := w.Export(ctx, r); err != nil {
			o.warn(fmt.Sprintf("Weights & Biases: %v", err))
		} else {
			o.info("Weights & Biases: run " + where)
		}
	}
	return nil
}

func globs(given []string) []string {
	if len(given) == 0 {
		return tracker.DefaultGlobs()
	}
	return given
}

// params are the run's settings as MLflow params and W&B config, AIPerf's
// keys, secrets redacted.
func params(p *config.Profile, run *export.Run) map[string]string {
	urls := make([]string, len(p.URL))
	for i, u := range p.URL {
		urls[i] = config.RedactURL(u)
	}
	out := map[string]string{"endpoint.type": p.EndpointType, "endpoint.models": strings.Join(p.Model, ","), "endpoint.urls": strings.Join(urls, ","),
		"output.artifact_directory": p.ArtifactDir, "aiperf.cli_command": run.CLICommand, "random_seed": strconv.FormatUint(run.Seed, 10)}
	if p.Concurrency != nil {
		out["loadgen.concurrency"] = strconv.Itoa(*p.Concurrency)
	}
	if p.RequestRate != nil {
		out["loadgen.request_rate"] = strconv.FormatFloat(*p.RequestRate, 'g', -1, 64)
	}
	if p.RequestCount != nil {
		out["loadgen.request_count"] = strconv.Itoa(*p.RequestCount)
	}
	if p.BenchmarkDuration != nil {
		out["loadgen.benchmark_duration"] = strconv.FormatFloat(*p.BenchmarkDuration, 'g', -1, 64)
	}
	return out
}
