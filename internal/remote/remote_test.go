package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeHub serves a dataset repository as the Hugging Face Hub's file API
// does: a revision's commit and files, each file at that commit.
func fakeHub(t *testing.T, files map[string]string, lfsSHA map[string]string) (*httptest.Server, *atomic.Int64) {
	var downloads atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/datasets/org/repo/revision/{rev}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("rev") != "main" && r.PathValue("rev") != "c0ffee" {
			http.NotFound(w, r)
			return
		}
		var sib []string
		for name := range files {
			lfs := ""
			if s, ok := lfsSHA[name]; ok {
				lfs = fmt.Sprintf(`, "lfs": {"sha256": %q}`, s)
			}
			sib = append(sib, fmt.Sprintf(`{"rfilename": %q%s}`, name, lfs))
		}
		fmt.Fprintf(w, `{"sha": "c0ffee", "siblings": [%s, {"rfilename": "README.md"}]}`, strings.Join(sib, ","))
	})
	mux.HandleFunc("GET /datasets/org/repo/resolve/c0ffee/{path...}", func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.PathValue("path")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		downloads.Add(1)
		w.Write([]byte(body))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &downloads
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func sum(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func TestFetchHF(t *testing.T) {
	trace := `{"timestamp": 0, "input_length": 10}` + "\n"
	srv, downloads := fakeHub(t, map[string]string{"data/trace.jsonl": trace, "data/more.json": "[]"}, map[string]string{"data/trace.jsonl": sum(trace)})
	env := map[string]string{"HF_ENDPOINT": srv.URL, "XDG_CACHE_HOME": t.TempDir()}
	var said []string
	o := Options{Getenv: envOf(env), Info: func(s string) { said = append(said, s) }}
	path, err := Fetch(context.Background(), "hf://org/repo/data/trace.jsonl", o)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != trace || downloads.Load() != 1 {
		t.Fatalf("%s: %q after %d downloads", path, b, downloads.Load())
	}
	if again, err := Fetch(context.Background(), "hf://org/repo/data/trace.jsonl", o); err != nil || again != path || downloads.Load() != 1 {
		t.Fatalf("the pinned revision is reused: %v %d", err, downloads.Load())
	}
	dir, err := Fetch(context.Background(), "hf://org/repo@c0ffee", o)
	if err != nil || downloads.Load() != 3 {
		t.Fatalf("a whole repository: %v, %d downloads", err, downloads.Load())
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("two files: a folder, got %s", dir)
	}
	srv.Close() // gone: the cache answers, and offline too
	if p, err := Fetch(context.Background(), "hf://org/repo/data/trace.jsonl", o); err != nil || p != path {
		t.Fatalf("unreachable, cached: %v", err)
	}
	env["SONDE_OFFLINE"] = "1"
	if p, err := Fetch(context.Background(), "hf://org/repo/data/trace.jsonl", o); err != nil || p != path {
		t.Fatalf("offline, cached: %v", err)
	}
	if _, err := Fetch(context.Background(), "hf://org/other", o); err == nil || !strings.Contains(err.Error(), "offline") || !strings.Contains(err.Error(), "not in the cache") {
		t.Fatalf("offline, not cached: %v", err)
	}
	if len(said) == 0 {
		t.Error("nothing said of what was fetched")
	}
}

func TestFetchRefusals(t *testing.T) {
	srv, _ := fakeHub(t, map[string]string{"t.jsonl": "abc"}, map[string]string{"t.jsonl": sum("not abc")})
	o := Options{Getenv: envOf(map[string]string{"HF_ENDPOINT": srv.URL, "XDG_CACHE_HOME": t.TempDir()})}
	for ref, want := range map[string]string{
		"hf://org/repo/t.jsonl":   "corrupt",
		"hf://org/repo@nope":      "404",
		"hf://org/repo/nothing/x": "no data file",
		"hf://org":                "hf://ORG/REPO",
		"s3://bucket":             "s3://BUCKET/KEY",
		"s3://bucket/dir/":        "one object",
	} {
		if _, err := Fetch(context.Background(), ref, o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", ref, err, want)
		}
	}
	if IsRemote("data/trace.jsonl") || !IsRemote("s3://b/k") {
		t.Error("IsRemote")
	}
}

// An S3-compatible store (path style at $AWS_ENDPOINT_URL): the object's
// ETag pins it; with credentials the requests are SigV4-signed.
func TestFetchS3AndHTTP(t *testing.T) {
	var auth atomic.Value
	auth.Store("")
	body := "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
	mux := http.NewServeMux()
	mux.HandleFunc("/bucket/traces/burst.csv", func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		w.Header().Set("ETag", `"v1"`)
		if r.Method == http.MethodGet {
			w.Write([]byte(body))
		}
	})
	mux.HandleFunc("/plain.jsonl", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"p1"`)
		w.Write([]byte("{}\n"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env := map[string]string{"AWS_ENDPOINT_URL": srv.URL, "XDG_CACHE_HOME": t.TempDir(), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
	p, err := Fetch(context.Background(), "s3://bucket/traces/burst.csv", Options{Getenv: envOf(env)})
	if b, _ := os.ReadFile(p); err != nil || string(b) != body {
		t.Fatalf("%v: %q", err, b)
	}
	if a := auth.Load().(string); !strings.HasPrefix(a, "AWS4-HMAC-SHA256") {
		t.Errorf("unsigned: %q", a)
	}
	p, err = Fetch(context.Background(), srv.URL+"/plain.jsonl", Options{Getenv: envOf(env)})
	if b, _ := os.ReadFile(p); err != nil || string(b) != "{}\n" || !strings.HasSuffix(p, "plain.jsonl") {
		t.Fatalf("%v: %s %q", err, p, b)
	}
	if _, err := Fetch(context.Background(), srv.URL+"/missing.jsonl", Options{Getenv: envOf(env)}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("%v", err)
	}
}
