package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/sondetest"
)

// One run owns its folder: a second run given a folder a live run holds is
// refused (exit 2, sending nothing) and the first run's records stay whole.
func TestTwoRunsNeverShareAFolder(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 16)
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		got.Add(1)
		arrived <- struct{}{}
		<-release
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"choices":[{"message":{"content":"hi there"}}]}`))
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "out")
	args := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", srv.URL, "--request-count", "3", "--concurrency", "1",
		"--isl", "5", "--ui-type", "none", "--artifact-dir", dir}
	first := make(chan runResult)
	go func() { first <- runSonde(t, args...) }()
	<-arrived // the first run holds the folder and is sending
	second := runSonde(t, args...)
	if second.code != exitUsage || !strings.Contains(second.stderr, "in use by another sonde run") {
		t.Errorf("second run: exit %d, %s", second.code, second.stderr)
	}
	if got.Load() != 1 {
		t.Errorf("the second run sent requests: the server saw %d", got.Load())
	}
	close(release)
	if res := <-first; res.code != 0 {
		t.Fatalf("first run: exit %d: %s", res.code, res.stderr)
	}
	if n := len(readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))); n != 3 || got.Load() != 3 {
		t.Errorf("%d records, %d requests: want 3 of each", n, got.Load())
	}
	// Released at the end: the folder is free for the next run.
	if res := runSonde(t, append(args, "--request-count", "1")...); res.code != 0 {
		t.Errorf("a later run: exit %d: %s", res.code, res.stderr)
	}
}

// A run into a folder holding an earlier run's files removes them, says so,
// and leaves the user's own files alone.
func TestEarlierRunsFilesAreCleared(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	os.MkdirAll(dir, 0o755)
	for _, name := range []string{"outputs.json", "profile_export_aiperf_timeslices.json", "old_outputs.json", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, name), []byte("{}"), 0o644)
	}
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--url", "sim://?ttft=1ms&itl=1ms", "--request-count", "2",
		"--isl", "5", "--osl", "2", "--ui-type", "none", "--artifact-dir", dir, "--profile-export-prefix", "old")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for name, want := range map[string]bool{"outputs.json": false, "profile_export_aiperf_timeslices.json": false, "old_outputs.json": false,
		"notes.txt": true, "old.json": true} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
			t.Errorf("%s: present %v, want %v", name, err == nil, want)
		}
	}
	if !strings.Contains(res.stderr, "held an earlier run's files") || !strings.Contains(res.stderr, "outputs.json") {
		t.Errorf("no word of the files removed: %s", res.stderr)
	}
}

// A timestamped trace replayed on its schedule gets a folder named for it
// (AIPerf's -fixed_schedule), not for the default concurrency.
func TestFixedScheduleFolderName(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.jsonl")
	os.WriteFile(trace, []byte(`{"timestamp": 0, "input_length": 20, "output_length": 2, "hash_ids": [1, 2]}`+"\n"+
		`{"timestamp": 5, "input_length": 20, "output_length": 2, "hash_ids": [1, 2]}`+"\n"), 0o644)
	var out, errb sondetest.Buffer
	code := run(env{Args: []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", "sim://?ttft=1ms&itl=1ms", "--input-file", trace,
		"--custom-dataset-type", "mooncake_trace", "--isl-block-size", "10", "--ui-type", "none"}, Stdout: &out, Stderr: &errb, Getenv: os.Getenv,
		Dir: dir, Clock: clock.New})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "artifacts", "m-openai-chat-fixed_schedule", "profile_export_aiperf.json")); err != nil {
		t.Fatal(err)
	}
}
