package engine

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/dataset"
)

// TestBuffersReusedNeverShared: response buffers and parsing space go back
// to pools after each request, so a record must own everything it keeps.
// Every answer here is distinct (its request's id, repeated), of varied
// lengths, with raw events kept; each record must still hold exactly its
// own answer, in its responses and its raw events, after the whole run.
func TestBuffersReusedNeverShared(t *testing.T) {
	for _, lean := range []bool{false, true} {
		t.Run(map[bool]string{false: "std", true: "lean"}[lean], func(t *testing.T) { buffersNeverShared(t, lean) })
	}
}

func buffersNeverShared(t *testing.T, lean bool) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		id := r.Header.Get("X-Request-ID")
		w.Header().Set("Content-Type", "text/event-stream")
		n := 3 + int(id[0])%40 // 3 to 42 chunks
		for i := range n {
			fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" %s-%d\"},\"finish_reason\":null}]}\n\n", id[:8], i)
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	convs := conversations(t, 40, 3)
	cfg := Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", len(convs), dataset.NewRand(1, 1)),
		URLs: []string{srv.URL}, Concurrency: 8, MaxSessions: 40, KeepRaw: true}
	recs := runEngineWith(t, cfg, lean)
	if len(recs) != 120 {
		t.Fatalf("%d records, want 120", len(recs))
	}
	for _, r := range recs {
		prefix := " " + r.RequestID[:8] + "-"
		n := 3 + int(r.RequestID[0])%40
		if got := strings.Count(r.Output, prefix); got != n || strings.Count(r.Output, "-") != n {
			t.Fatalf("request %s: output %q is not its own %d chunks", r.RequestID, r.Output, n)
		}
		var joined strings.Builder
		for i, text := range r.Texts() {
			if want := fmt.Sprintf("%s%d", prefix, i); text.Content != want {
				t.Fatalf("request %s: response %d is %q, want %q", r.RequestID, i, text.Content, want)
			}
			joined.WriteString(text.Content)
		}
		if joined.String() != r.Output {
			t.Fatalf("request %s: responses do not add up to the output", r.RequestID)
		}
		for i, ev := range r.Raw.Events[:n] {
			if !strings.Contains(ev.Data, fmt.Sprintf("%s%d\"", prefix, i)) {
				t.Fatalf("request %s: raw event %d is %q", r.RequestID, i, ev.Data)
			}
		}
	}
}
