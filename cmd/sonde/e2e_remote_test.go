package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A trace named by hf:// is fetched from the Hub's file API (a local fake
// at $HF_ENDPOINT) into $XDG_CACHE_HOME/sonde once, pinned to the commit
// main resolved to, then replayed; the second run reads the cache, and an
// offline run does too. Offline and not cached is a clear error.
func TestRemoteInputFile(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	trace := `{"timestamp": 0, "input_length": 12, "output_length": 2}
{"timestamp": 5, "input_length": 12, "output_length": 2}
`
	var downloads atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/datasets/team/traces/revision/main", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"sha": "1234abcd", "siblings": [{"rfilename": "mooncake/trace.jsonl"}]}`)
	})
	mux.HandleFunc("GET /datasets/team/traces/resolve/1234abcd/mooncake/trace.jsonl", func(w http.ResponseWriter, r *http.Request) {
		downloads.Add(1)
		w.Write([]byte(trace))
	})
	hub := httptest.NewServer(mux)
	defer hub.Close()
	cache := t.TempDir()
	vars := map[string]string{"HF_ENDPOINT": hub.URL, "XDG_CACHE_HOME": cache, "SONDE_CACHE_DIR": "", "HF_HUB_OFFLINE": ""} // the tests run offline
	getenv := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	profile := func(ref string) (int, runResult) {
		sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
		res := runSondeEnv(t, env{Getenv: getenv}, "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--input-file", ref,
			"--custom-dataset-type", "mooncake_trace", "--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "out"))
		return len(sim.stop(t)), res
	}
	for i := range 2 {
		n, res := profile("hf://team/traces/mooncake/trace.jsonl")
		if res.code != 0 || n != 2 || downloads.Load() != 1 {
			t.Fatalf("run %d: exit %d, %d requests, %d downloads: %s", i, res.code, n, downloads.Load(), res.stderr)
		}
		if i == 0 && !strings.Contains(res.stderr, "revision 1234abcd fetched") {
			t.Errorf("the log names the pinned revision: %s", res.stderr)
		}
	}
	vars["SONDE_OFFLINE"] = "1"
	if n, res := profile("hf://team/traces/mooncake/trace.jsonl"); res.code != 0 || n != 2 {
		t.Fatalf("offline, cached: exit %d: %s", res.code, res.stderr)
	}
	if _, res := profile("hf://team/other"); res.code != 2 || !strings.Contains(res.stderr, "not in the cache") {
		t.Fatalf("offline, not cached: exit %d: %s", res.code, res.stderr)
	}
}

// --public-dataset sharegpt without a local copy is fetched from the Hub
// (here a fake at $HF_ENDPOINT) and every turn of it is sent.
func TestPublicShareGPTFetched(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator, hub and cache
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered/revision/main", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"sha": "5ha", "siblings": [{"rfilename": "ShareGPT_V3_unfiltered_cleaned_split.json"}, {"rfilename": "other.json"}]}`)
	})
	mux.HandleFunc("GET /datasets/anon8231489123/ShareGPT_Vicuna_unfiltered/resolve/5ha/ShareGPT_V3_unfiltered_cleaned_split.json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"id": "a", "conversations": [{"from": "human", "value": "hello there"}, {"from": "gpt", "value": "hi"}]}]`)
	})
	hub := httptest.NewServer(mux)
	defer hub.Close()
	vars := map[string]string{"HF_ENDPOINT": hub.URL, "XDG_CACHE_HOME": t.TempDir(), "SONDE_CACHE_DIR": "", "HF_HUB_OFFLINE": ""}
	getenv := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	res := runSondeEnv(t, env{Getenv: getenv}, "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--public-dataset", "sharegpt",
		"--request-count", "2", "--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "out"))
	recs := sim.stop(t)
	if res.code != 0 || len(recs) != 2 || !strings.Contains(string(recs[0].Body), "hello there") || !strings.Contains(string(recs[1].Body), "hello there") {
		t.Fatalf("exit %d, %d requests: %s", res.code, len(recs), res.stderr)
	}
}
