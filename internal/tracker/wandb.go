package tracker

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// WandB is where and how a run goes to Weights & Biases.
type WandB struct {
	Project, Entity, RunName string
	Tags                     []string
	Globs                    []string
	Getenv                   func(string) string
	Client                   *http.Client
}

// wandbRun is the W&B run made: its id, and where it lives.
type wandbRun struct {
	ID, Entity, Project string
}

// upsertBucket creates a W&B run ("bucket") with its name, config, tags
// and summary: the mutation W&B's own clients send.
const upsertBucket = `mutation UpsertBucket($name: String, $project: String, $entity: String, $displayName: String, $config: JSONString, $tags: [String!], $summaryMetrics: JSONString) {
  upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, displayName: $displayName, config: $config, tags: $tags, summaryMetrics: $summaryMetrics}) {
    bucket { id name displayName project { name entity { name } } }
  }
}`

// runUploadURLs asks where each of the run's files goes.
const runUploadURLs = `query RunUploadUrls($name: String!, $files: [String]!, $entity: String, $run: String!) {
  model(name: $name, entityName: $entity) {
    bucket(name: $run) { id files(names: $files) { edges { node { name url(upload: true) } } } }
  }
}`

// Export creates the W&B run of r with its config, tags and summary
// metrics, uploads its files and marks it finished; it returns the run's
// entity/project/id.
func (w WandB) Export(ctx context.Context, r Run) (string, error) {
	key := w.Getenv("WANDB_API_KEY")
	if key == "" {
		return "", errors.New("WANDB_API_KEY is not set")
	}
	base := strings.TrimRight(w.Getenv("WANDB_BASE_URL"), "/")
	if base == "" {
		base = "https://api.wandb.ai"
	}
	a := &api{base: base, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+key)), hc: w.Client, ctx: ctx}
	metrics, err := r.metrics("")
	if err != nil {
		return "", err
	}
	run, err := w.create(a, r, metrics)
	if err != nil {
		return "", err
	}
	where := run.Entity + "/" + run.Project + "/" + run.ID
	err = errors.Join(w.files(a, r, run), w.finish(a, run, metrics, r.Cancelled))
	return where, err
}

// graphql posts a query and decodes its data, failing on GraphQL errors
// (which come with a 200).
func graphql(a *api, query string, vars map[string]any, data any) error {
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := a.call("POST", "/graphql", map[string]any{"query": query, "variables": vars}, &out); err != nil {
		return err
	}
	if len(out.Errors) > 0 {
		return errors.New(out.Errors[0].Message)
	}
	return json.Unmarshal(out.Data, data)
}

func (w WandB) create(a *api, r Run, metrics map[string]float64) (wandbRun, error) {
	config := map[string]any{}
	for k, v := range r.Params {
		config[k] = map[string]any{"value": v, "desc": nil}
	}
	config["input_config"] = map[string]any{"value": r.Config, "desc": nil}
	cfg, _ := json.Marshal(config)
	sum, _ := json.Marshal(metrics)
	name := r.runName(w.RunName)
	tags := append([]string{"sonde-" + r.Version, "benchmark-" + r.shortID()}, w.Tags...)
	entity := w.Entity
	if entity == "" {
		entity = w.Getenv("WANDB_ENTITY")
	}
	id := runID()
	var got struct {
		UpsertBucket struct {
			Bucket struct {
				Name    string `json:"name"`
				Project struct {
					Name   string `json:"name"`
					Entity struct {
						Name string `json:"name"`
					} `json:"entity"`
				} `json:"project"`
			} `json:"bucket"`
		} `json:"upsertBucket"`
	}
	vars := map[string]any{"name": id, "project": w.Project, "displayName": name, "config": string(cfg), "tags": tags, "summaryMetrics": string(sum)}
	if entity != "" {
		vars["entity"] = entity
	}
	if err := graphql(a, upsertBucket, vars, &got); err != nil {
		return wandbRun{}, fmt.Errorf("creating the run: %w", err)
	}
	b := got.UpsertBucket.Bucket
	return wandbRun{ID: b.Name, Entity: b.Project.Entity.Name, Project: b.Project.Name}, nil
}

// runID is a W&B run id: 8 lowercase letters and digits.
func runID() string {
	const abc = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [8]byte
	crand.Read(b[:])
	for i := range b {
		b[i] = abc[int(b[i])%len(abc)]
	}
	return string(b[:])
}

// files uploads the run's artifacts to the URLs W&B gives for them.
func (w WandB) files(a *api, r Run, run wandbRun) error {
	names, err := Artifacts(r.Files.Dir, w.Globs)
	if err != nil || len(names) == 0 {
		return err
	}
	var got struct {
		Model struct {
			Bucket struct {
				Files struct {
					Edges []struct {
						Node struct {
							Name string `json:"name"`
							URL  string `json:"url"`
						} `json:"node"`
					} `json:"edges"`
				} `json:"files"`
			} `json:"bucket"`
		} `json:"model"`
	}
	vars := map[string]any{"name": run.Project, "entity": run.Entity, "run": run.ID, "files": names}
	if err := graphql(a, runUploadURLs, vars, &got); err != nil {
		return fmt.Errorf("asking where the files go: %w", err)
	}
	for _, e := range got.Model.Bucket.Files.Edges {
		f, err := os.Open(filepath.Join(r.Files.Dir, filepath.FromSlash(e.Node.Name)))
		if err != nil {
			return err
		}
		err = a.upload(e.Node.URL, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("uploading %s: %w", e.Node.Name, err)
		}
	}
	return nil
}

// finish streams the summary and marks the run finished (W&B's file
// stream: the run's state follows its last message).
func (w WandB) finish(a *api, run wandbRun, metrics map[string]float64, cancelled bool) error {
	path := "/files/" + url.PathEscape(run.Entity) + "/" + url.PathEscape(run.Project) + "/" + url.PathEscape(run.ID) + "/file_stream"
	sum, _ := json.Marshal(metrics)
	if err := a.call("POST", path, map[string]any{"files": map[string]any{"wandb-summary.json": map[string]any{"offset": 0, "content": []string{string(sum)}}}}, nil); err != nil {
		return fmt.Errorf("sending the summary: %w", err)
	}
	exit := 0
	if cancelled {
		exit = 1
	}
	if err := a.call("POST", path, map[string]any{"complete": true, "exitcode": exit}, nil); err != nil {
		return fmt.Errorf("finishing the run: %w", err)
	}
	return nil
}
