package engine

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/record"
)

// sseAnswer is a streamed answer of n chunks, written in three parts.
func sseAnswer(n int) []string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" w%d\"}}]}\n\n", i)
	}
	b.WriteString("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\ndata: [DONE]\n\n")
	s := b.String()
	return []string{s[:len(s)/3], s[len(s)/3 : 2*len(s)/3], s[2*len(s)/3:]}
}

// answerServer answers every request with parts (flushed one by one) under
// contentType.
func answerServer(t *testing.T, contentType string, parts []string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		for _, p := range parts {
			w.Write([]byte(p))
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1/chat/completions"
}

func runAnswers(t *testing.T, url string, lean, keepChunks bool) []*record.Record {
	convs := conversations(t, 2, 2)
	return runEngineWith(t, Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", len(convs), nil),
		URLs: []string{url}, Concurrency: 1, MaxSessions: 2, KeepChunks: keepChunks}, lean)
}

// A stream parsed as it arrives (the default) gives each record what the
// body parsed whole gives (--export-http-trace keeps every event, so it
// reads the body whole): the text, every response and its stamp's order,
// the usage, the event count and the body's bytes — over both clients.
func TestStreamParsedAsItArrives(t *testing.T) {
	parts := sseAnswer(300)
	url := answerServer(t, "text/event-stream", parts)
	body := len(strings.Join(parts, ""))
	for _, lean := range []bool{false, true} {
		streamed, whole := runAnswers(t, url, lean, false), runAnswers(t, url, lean, true)
		if len(streamed) != 4 || len(whole) != 4 {
			t.Fatalf("lean %v: %d and %d records", lean, len(streamed), len(whole))
		}
		for i, r := range streamed {
			w := whole[i]
			if r.Output != w.Output || len(r.Responses) != 300 || len(w.Responses) != 300 || r.Events != 302 || w.Events != 302 ||
				r.BytesReceived != body || w.BytesReceived != body || r.Usage == nil || r.Usage.CompletionTokens != 4 {
				t.Fatalf("lean %v, record %d: streamed %q %d responses %d events %d bytes; whole %q %d %d %d (body %d)", lean, i,
					r.Output[:20], len(r.Responses), r.Events, r.BytesReceived, w.Output[:20], len(w.Responses), w.Events, w.BytesReceived, body)
			}
			if !slices.IsSortedFunc(r.Responses, func(a, b record.Response) int { return int(a.Ns - b.Ns) }) {
				t.Fatalf("lean %v, record %d: responses out of order", lean, i)
			}
			for j := range r.Responses {
				if r.Responses[j].Content != w.Responses[j].Content {
					t.Fatalf("lean %v, record %d, response %d: %+v, whole %+v", lean, i, j, r.Responses[j], w.Responses[j])
				}
			}
		}
	}
}

// A streaming request answered with one JSON body, not a stream: read
// whole, one response, as before the events were parsed as they came.
func TestStreamAnsweredWhole(t *testing.T) {
	url := answerServer(t, "application/json", []string{`{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"all at once"}}],`,
		`"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}`})
	for _, lean := range []bool{false, true} {
		for _, r := range runAnswers(t, url, lean, false) {
			if r.Output != "all at once" || len(r.Responses) != 1 || r.Events != 1 {
				t.Fatalf("lean %v: %q, %d responses, %d events", lean, r.Output, len(r.Responses), r.Events)
			}
		}
	}
}
