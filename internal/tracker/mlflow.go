package tracker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/export"
)

// MLflow is where and how a run goes to an MLflow tracking server.
type MLflow struct {
	URI string // http(s)://host:port of the tracking server
	// ShownURI is URI as files may show it: without a password.
	ShownURI    string
	Experiment  string
	RunName     string // "": sonde-<benchmark id's first 8>
	Tags        map[string]string
	ParentRunID string
	Globs       []string
	Getenv      func(string) string
	Client      *http.Client
}

// MLflowExport is mlflow_export.json: which MLflow run holds this run.
type MLflowExport struct {
	TrackingURI       string   `json:"tracking_uri"`
	Experiment        string   `json:"experiment"`
	RunID             string   `json:"run_id"`
	RunName           string   `json:"run_name"`
	BenchmarkID       string   `json:"benchmark_id"`
	ParentRunID       *string  `json:"parent_run_id"`
	LiveStreaming     bool     `json:"live_streaming"`
	ReusedLiveRun     bool     `json:"reused_live_run"`
	MetricKeys        []string `json:"metric_keys"`
	ParamKeys         []string `json:"param_keys"`
	TagKeys           []string `json:"tag_keys"`
	UploadedArtifacts []string `json:"uploaded_artifacts"`
	ExportedAtNs      int64    `json:"exported_at_ns"`
}

// MLflow's limits on one log-batch call.
const (
	batchMetrics = 1000
	batchParams  = 100
	batchTags    = 100
)

// Export creates the MLflow run of r (in its experiment, made when new,
// under the parent run when there is one), logs its params, metrics and
// tags, uploads its artifacts, writes mlflow_export.json and ends the run.
// warn tells what was left out.
func (m MLflow) Export(ctx context.Context, r Run, warn func(string)) (*MLflowExport, error) {
	a := &api{base: strings.TrimRight(m.URI, "/"), auth: mlflowAuth(m.Getenv), hc: m.Client, ctx: ctx}
	metrics, err := r.metrics("system/")
	if err != nil {
		return nil, err
	}
	expID, err := m.experiment(a)
	if err != nil {
		return nil, err
	}
	tags := m.tags(r)
	parent := m.parent(a, warn)
	if parent != "" {
		tags["mlflow.parentRunId"] = parent
	}
	name := r.runName(m.RunName)
	var created struct {
		Run struct {
			Info struct {
				RunID       string `json:"run_id"`
				ArtifactURI string `json:"artifact_uri"`
			} `json:"info"`
		} `json:"run"`
	}
	if err := a.call("POST", "/api/2.0/mlflow/runs/create", map[string]any{"experiment_id": expID, "run_name": name, "start_time": r.StartMs,
		"tags": kvList(tags)}, &created); err != nil {
		return nil, fmt.Errorf("creating the run: %w", err)
	}
	info := created.Run.Info
	out := &MLflowExport{TrackingURI: m.ShownURI, Experiment: m.Experiment, RunID: info.RunID, RunName: name, BenchmarkID: r.BenchmarkID,
		MetricKeys: slices.Sorted(maps.Keys(metrics)), ParamKeys: slices.Sorted(maps.Keys(r.Params)), TagKeys: slices.Sorted(maps.Keys(tags))}
	if parent != "" {
		out.ParentRunID = &parent
	}
	err = errors.Join(m.logBatches(a, info.RunID, metrics, r.Params, r.EndMs), m.artifacts(a, r.Files, info.ArtifactURI, out, warn))
	status := "FINISHED"
	if r.Cancelled {
		status = "KILLED"
	}
	if uerr := a.call("POST", "/api/2.0/mlflow/runs/update", map[string]any{"run_id": info.RunID, "status": status, "end_time": r.EndMs}, nil); uerr != nil {
		err = errors.Join(err, fmt.Errorf("ending the run: %w", uerr))
	}
	return out, err
}

// mlflowAuth is MLflow's client authorization from the environment: a
// token, or a user name and password.
func mlflowAuth(getenv func(string) string) string {
	if t := getenv("MLFLOW_TRACKING_TOKEN"); t != "" {
		return "Bearer " + t
	}
	if u := getenv("MLFLOW_TRACKING_USERNAME"); u != "" {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+getenv("MLFLOW_TRACKING_PASSWORD")))
	}
	return ""
}

// experiment is the experiment's id, created when there is none of its name.
func (m MLflow) experiment(a *api) (string, error) {
	var got struct {
		Experiment struct {
			ID string `json:"experiment_id"`
		} `json:"experiment"`
	}
	err := a.call("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name="+url.QueryEscape(m.Experiment), nil, &got)
	if err == nil {
		return got.Experiment.ID, nil
	}
	if se, ok := err.(*statusError); !ok || se.Code != "RESOURCE_DOES_NOT_EXIST" {
		return "", fmt.Errorf("experiment %q: %w", m.Experiment, err)
	}
	var made struct {
		ID string `json:"experiment_id"`
	}
	if err := a.call("POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": m.Experiment}, &made); err != nil {
		return "", fmt.Errorf("creating experiment %q: %w", m.Experiment, err)
	}
	return made.ID, nil
}

// parent is the parent run's id when it exists; a missing one makes a
// root run, with a warning (AIPerf's choice).
func (m MLflow) parent(a *api, warn func(string)) string {
	if m.ParentRunID == "" {
		return ""
	}
	err := a.call("GET", "/api/2.0/mlflow/runs/get?run_id="+url.QueryEscape(m.ParentRunID), nil, nil)
	if err == nil {
		return m.ParentRunID
	}
	warn(fmt.Sprintf("MLflow: parent run %s: %v; the run is a root run", m.ParentRunID, err))
	return ""
}

func (m MLflow) tags(r Run) map[string]string {
	tags := map[string]string{"sonde.version": r.Version, "sonde.was_cancelled": strconv.FormatBool(r.Cancelled), "benchmark_id": r.BenchmarkID}
	maps.Copy(tags, m.Tags)
	return tags
}

func kvList(m map[string]string) []map[string]string {
	out := []map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, map[string]string{"key": k, "value": m[k]})
	}
	return out
}

// logBatches logs metrics and params in batches within MLflow's limits.
func (m MLflow) logBatches(a *api, runID string, metrics map[string]float64, params map[string]string, tsMs int64) error {
	var ms []map[string]any
	for _, k := range slices.Sorted(maps.Keys(metrics)) {
		ms = append(ms, map[string]any{"key": k, "value": metrics[k], "timestamp": tsMs, "step": 0})
	}
	ps := kvList(params)
	for len(ms) > 0 || len(ps) > 0 {
		nm, np := min(len(ms), batchMetrics), min(len(ps), batchParams)
		if err := a.call("POST", "/api/2.0/mlflow/runs/log-batch", map[string]any{"run_id": runID, "metrics": ms[:nm], "params": ps[:np]}, nil); err != nil {
			return fmt.Errorf("logging metrics and params: %w", err)
		}
		ms, ps = ms[nm:], ps[np:]
	}
	return nil
}

// artifacts uploads the run's files through the server's artifact proxy
// (mlflow-artifacts:/ URIs, `mlflow server --serve-artifacts`, its
// default), under exports/ and plots/ as AIPerf files them, then
// mlflow_export.json.
func (m MLflow) artifacts(a *api, run export.Files, artifactURI string, out *MLflowExport, warn func(string)) error {
	dir := run.Dir
	files, err := Artifacts(dir, m.Globs)
	if err != nil {
		return err
	}
	files = slices.DeleteFunc(files, func(f string) bool { return f == "mlflow_export.json" })
	root, proxied := strings.CutPrefix(artifactURI, "mlflow-artifacts:")
	if !proxied {
		warn(fmt.Sprintf("MLflow: the run's artifacts go to %s, which sonde cannot write through the tracking server (start it with --serve-artifacts); %d files not uploaded", artifactURI, len(files)))
		return m.writeExport(run, out)
	}
	root = strings.Trim(root, "/")
	out.UploadedArtifacts = append(slices.Clone(files), "mlflow_export.json")
	if err := m.writeExport(run, out); err != nil {
		return err
	}
	for _, f := range append(files, "mlflow_export.json") {
		if err := m.upload(a, dir, root, f); err != nil {
			return fmt.Errorf("uploading %s: %w", f, err)
		}
	}
	return nil
}

func (m MLflow) upload(a *api, dir, root, rel string) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	defer f.Close()
	where := path.Join(root, artifactPath(rel), path.Base(rel))
	return a.send(http.MethodPut, a.base+"/api/2.0/mlflow-artifacts/artifacts/"+escapePath(where), "application/octet-stream", f, nil, true)
}

// artifactPath files plots under plots/ and the rest under exports/,
// keeping their subfolders.
func artifactPath(rel string) string {
	base := "exports"
	switch strings.ToLower(path.Ext(rel)) {
	case ".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp", ".html":
		base = "plots"
	}
	sub := path.Dir(rel)
	if sub == "." {
		return base
	}
	return path.Join(base, strings.TrimPrefix(strings.TrimPrefix(sub, base), "/"))
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

func (m MLflow) writeExport(run export.Files, out *MLflowExport) error {
	out.ExportedAtNs = time.Now().UnixNano()
	b, _ := json.MarshalIndent(out, "", "  ")
	return export.WriteFile(run.MLflowExport(), append(b, '\n'))
}
