package trackertest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// WandBRun is a run as the fake W&B server holds it.
type WandBRun struct {
	Entity, Project, DisplayName string
	Tags                         []string
	Config                       map[string]any
	Summary                      map[string]float64 // the last summary streamed
	Files                        map[string][]byte
	Complete                     bool
	ExitCode                     int
}

// WandB is a fake Weights & Biases API: GraphQL (UpsertBucket,
// RunUploadUrls), uploads, and the file stream.
type WandB struct {
	*httptest.Server
	Key    string // the API key every call must carry (Basic api:KEY)
	Entity string // the key's own entity
	mu     sync.Mutex
	Runs   map[string]*WandBRun // by run id
	Bad    []string
}

// NewWandB starts a fake W&B API for the test.
func NewWandB(t *testing.T, key string) *WandB {
	f := &WandB{Key: key, Entity: "me", Runs: map[string]*WandBRun{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /graphql", f.graphql)
	mux.HandleFunc("PUT /upload/{run}/{name...}", f.upload)
	mux.HandleFunc("POST /files/{entity}/{project}/{run}/file_stream", f.stream)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+f.Key))
		if !strings.HasPrefix(r.URL.Path, "/upload/") && r.Header.Get("Authorization") != want {
			f.fail(w, http.StatusUnauthorized, r.URL.Path+": bad key")
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			f.fail(w, http.StatusNotFound, r.Method+" "+r.URL.Path)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *WandB) fail(w http.ResponseWriter, status int, msg string) {
	f.Bad = append(f.Bad, msg)
	http.Error(w, msg, status)
}

func (f *WandB) graphql(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	v := in.Variables
	str := func(k string) string { s, _ := v[k].(string); return s }
	switch {
	case strings.Contains(in.Query, "upsertBucket("):
		entity := str("entity")
		if entity == "" {
			entity = f.Entity
		}
		run := &WandBRun{Entity: entity, Project: str("project"), DisplayName: str("displayName"), Files: map[string][]byte{}}
		for _, t := range v["tags"].([]any) {
			run.Tags = append(run.Tags, t.(string))
		}
		if json.Unmarshal([]byte(str("config")), &run.Config) != nil || json.Unmarshal([]byte(str("summaryMetrics")), &run.Summary) != nil || str("name") == "" {
			reply(w, map[string]any{"errors": []map[string]string{{"message": "config and summaryMetrics must be JSON strings, name set"}}})
			return
		}
		f.Runs[str("name")] = run
		reply(w, map[string]any{"data": map[string]any{"upsertBucket": map[string]any{"bucket": map[string]any{"id": "b1", "name": str("name"),
			"displayName": run.DisplayName, "project": map[string]any{"name": run.Project, "entity": map[string]any{"name": entity}}}}}})
	case strings.Contains(in.Query, "RunUploadUrls"):
		run := str("run")
		if f.Runs[run] == nil || f.Runs[run].Project != str("name") {
			reply(w, map[string]any{"errors": []map[string]string{{"message": "no run " + run}}})
			return
		}
		var edges []any
		for _, n := range v["files"].([]any) {
			edges = append(edges, map[string]any{"node": map[string]any{"name": n, "url": f.URL + "/upload/" + run + "/" + n.(string)}})
		}
		reply(w, map[string]any{"data": map[string]any{"model": map[string]any{"bucket": map[string]any{"id": "b1", "files": map[string]any{"edges": edges}}}}})
	default:
		f.Bad = append(f.Bad, "query: "+in.Query)
		reply(w, map[string]any{"errors": []map[string]string{{"message": "unknown query"}}})
	}
}

func (f *WandB) upload(w http.ResponseWriter, r *http.Request) {
	run := f.Runs[r.PathValue("run")]
	if run == nil || r.Header.Get("Authorization") != "" { // signed URLs: the key never goes there
		f.fail(w, http.StatusBadRequest, "upload "+r.URL.Path)
		return
	}
	b, _ := io.ReadAll(r.Body)
	run.Files[r.PathValue("name")] = b
}

func (f *WandB) stream(w http.ResponseWriter, r *http.Request) {
	run := f.Runs[r.PathValue("run")]
	if run == nil || run.Entity != r.PathValue("entity") || run.Project != r.PathValue("project") {
		f.fail(w, http.StatusNotFound, "file_stream "+r.URL.Path)
		return
	}
	var in struct {
		Files map[string]struct {
			Offset  int      `json:"offset"`
			Content []string `json:"content"`
		} `json:"files"`
		Complete *bool `json:"complete"`
		ExitCode int   `json:"exitcode"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if s, ok := in.Files["wandb-summary.json"]; ok && len(s.Content) > 0 {
		json.Unmarshal([]byte(s.Content[len(s.Content)-1]), &run.Summary)
	}
	if in.Complete != nil {
		run.Complete, run.ExitCode = *in.Complete, in.ExitCode
	}
	reply(w, map[string]any{"exitcode": nil})
}

// Lock and Unlock guard the fields for a test's reading.
func (f *WandB) Lock()   { f.mu.Lock() }
func (f *WandB) Unlock() { f.mu.Unlock() }
