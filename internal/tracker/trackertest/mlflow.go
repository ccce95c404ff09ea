// Package trackertest holds fake MLflow and Weights & Biases servers for
// tests: each implements the documented calls sonde makes, checks their
// shape and limits, and refuses anything else (kept in Bad).
package trackertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// MLflowRun is a run as the fake MLflow server holds it.
type MLflowRun struct {
	Experiment, Name, Status string
	Tags, Params             map[string]string
	Metrics                  map[string]float64
	EndTime                  int64
}

// MLflow is a fake MLflow tracking server with the artifact proxy.
type MLflow struct {
	*httptest.Server
	// Token, when set, is the bearer token every call must carry.
	Token string
	// ArtifactRoot is the runs' artifact URI's root (default
	// mlflow-artifacts:/, the proxy's).
	ArtifactRoot string
	mu           sync.Mutex
	Experiments  map[string]string // name → id
	Runs         map[string]*MLflowRun
	Artifacts    map[string][]byte // path under the proxy → content
	Bad          []string          // calls refused: what was wrong
}

// NewMLflow starts a fake MLflow server for the test.
func NewMLflow(t *testing.T) *MLflow {
	m := &MLflow{ArtifactRoot: "mlflow-artifacts:/", Experiments: map[string]string{"Default": "0"}, Runs: map[string]*MLflowRun{}, Artifacts: map[string][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/2.0/mlflow/experiments/get-by-name", m.getExperiment)
	mux.HandleFunc("POST /api/2.0/mlflow/experiments/create", m.createExperiment)
	mux.HandleFunc("GET /api/2.0/mlflow/runs/get", m.getRun)
	mux.HandleFunc("POST /api/2.0/mlflow/runs/create", m.createRun)
	mux.HandleFunc("POST /api/2.0/mlflow/runs/log-batch", m.logBatch)
	mux.HandleFunc("POST /api/2.0/mlflow/runs/update", m.updateRun)
	mux.HandleFunc("PUT /api/2.0/mlflow-artifacts/artifacts/", m.putArtifact)
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.Token != "" && r.Header.Get("Authorization") != "Bearer "+m.Token {
			m.fail(w, http.StatusUnauthorized, "UNAUTHENTICATED", r.Method+" "+r.URL.Path+": no token")
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			m.fail(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", r.Method+" "+r.URL.Path)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(m.Close)
	return m
}

// fail answers an MLflow error and keeps why; a missing resource is not a
// fault of the client's.
func (m *MLflow) fail(w http.ResponseWriter, status int, code, msg string) {
	if code != "RESOURCE_DOES_NOT_EXIST" {
		m.Bad = append(m.Bad, msg)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error_code": code, "message": msg})
}

func reply(w http.ResponseWriter, v any) { json.NewEncoder(w).Encode(v) }

// decode reads a JSON body strictly into v.
func (m *MLflow) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		m.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", r.URL.Path+": "+err.Error())
		return false
	}
	return true
}

func (m *MLflow) getExperiment(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("experiment_name")
	id, ok := m.Experiments[name]
	if !ok {
		m.fail(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "no experiment "+name)
		return
	}
	reply(w, map[string]any{"experiment": map[string]string{"experiment_id": id, "name": name}})
}

func (m *MLflow) createExperiment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if !m.decode(w, r, &in) {
		return
	}
	if _, dup := m.Experiments[in.Name]; dup || in.Name == "" {
		m.fail(w, http.StatusBadRequest, "RESOURCE_ALREADY_EXISTS", "experiment "+in.Name)
		return
	}
	id := fmt.Sprint(len(m.Experiments))
	m.Experiments[in.Name] = id
	reply(w, map[string]string{"experiment_id": id})
}

func (m *MLflow) getRun(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("run_id")
	if _, ok := m.Runs[id]; !ok {
		m.fail(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "no run "+id)
		return
	}
	reply(w, map[string]any{"run": map[string]any{"info": map[string]string{"run_id": id}}})
}

type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (m *MLflow) createRun(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExperimentID string `json:"experiment_id"`
		RunName      string `json:"run_name"`
		StartTime    int64  `json:"start_time"`
		Tags         []kv   `json:"tags"`
	}
	if !m.decode(w, r, &in) {
		return
	}
	known := false
	for _, id := range m.Experiments {
		known = known || id == in.ExperimentID
	}
	if !known || in.StartTime <= 0 {
		m.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf("runs/create: experiment %q, start %d", in.ExperimentID, in.StartTime))
		return
	}
	id := fmt.Sprintf("run%d", len(m.Runs)+1)
	run := &MLflowRun{Experiment: in.ExperimentID, Name: in.RunName, Status: "RUNNING", Tags: map[string]string{}, Params: map[string]string{}, Metrics: map[string]float64{}}
	for _, t := range in.Tags {
		run.Tags[t.Key] = t.Value
	}
	m.Runs[id] = run
	uri := strings.TrimRight(m.ArtifactRoot, "/") + "/" + in.ExperimentID + "/" + id + "/artifacts"
	reply(w, map[string]any{"run": map[string]any{"info": map[string]string{"run_id": id, "artifact_uri": uri}}})
}

func (m *MLflow) logBatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RunID   string `json:"run_id"`
		Metrics []struct {
			Key       string   `json:"key"`
			Value     *float64 `json:"value"`
			Timestamp int64    `json:"timestamp"`
			Step      int64    `json:"step"`
		} `json:"metrics"`
		Params []kv `json:"params"`
		Tags   []kv `json:"tags"`
	}
	if !m.decode(w, r, &in) {
		return
	}
	run, ok := m.Runs[in.RunID]
	if !ok || len(in.Metrics) > 1000 || len(in.Params) > 100 || len(in.Tags) > 100 {
		m.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf("log-batch: run %q, %d metrics, %d params", in.RunID, len(in.Metrics), len(in.Params)))
		return
	}
	for _, x := range in.Metrics {
		if x.Key == "" || x.Value == nil || x.Timestamp <= 0 {
			m.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "log-batch: metric "+x.Key)
			return
		}
		run.Metrics[x.Key] = *x.Value
	}
	for _, p := range in.Params {
		if len(p.Value) > 6000 {
			m.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "log-batch: param "+p.Key+" too long")
			return
		}
		run.Params[p.Key] = p.Value
	}
	reply(w, map[string]any{})
}

func (m *MLflow) updateRun(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RunID   string `json:"run_id"`
		Status  string `json:"status"`
		EndTime int64  `json:"end_time"`
	}
	if !m.decode(w, r, &in) {
		return
	}
	run, ok := m.Runs[in.RunID]
	if !ok || (in.Status != "FINISHED" && in.Status != "KILLED" && in.Status != "FAILED") {
		m.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "runs/update "+in.RunID+" "+in.Status)
		return
	}
	run.Status, run.EndTime = in.Status, in.EndTime
	reply(w, map[string]any{"run_info": map[string]string{"run_id": in.RunID, "status": in.Status}})
}

func (m *MLflow) putArtifact(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/api/2.0/mlflow-artifacts/artifacts/")
	parts := strings.SplitN(p, "/", 4) // experiment/run/artifacts/path
	if len(parts) < 4 || parts[2] != "artifacts" || m.Runs[parts[1]] == nil {
		m.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "artifact "+p)
		return
	}
	b, _ := io.ReadAll(r.Body)
	m.Artifacts[p] = b
	reply(w, map[string]any{})
}

// Lock and Unlock guard the fields for a test's reading.
func (m *MLflow) Lock()   { m.mu.Lock() }
func (m *MLflow) Unlock() { m.mu.Unlock() }
