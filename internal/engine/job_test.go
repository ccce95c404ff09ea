package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
)

// runJob sends one video job to a scripted server and returns its record.
func runJob(t *testing.T, submit string, poll func(n int64) (int, string), download bool, ctx context.Context) *record.Record {
	t.Helper()
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			w.Write([]byte(submit))
		case strings.HasSuffix(r.URL.Path, "/content"):
			w.Write([]byte("\x00\x00\x00\x18ftypmp42 video bytes"))
		default:
			code, body := poll(polls.Add(1))
			w.WriteHeader(code)
			w.Write([]byte(body))
		}
	}))
	defer srv.Close()
	clk := clock.New()
	out := make(chan *record.Record, 4)
	convs := conversations(t, 1, 1)
	cfg := Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", 1, nil), URLs: []string{srv.URL + "/v1/videos"}, MaxSessions: 1,
		Codec: &endpoint.Codec{Type: endpoint.VideoGen}, Header: http.Header{}, Timeout: time.Minute, Phase: record.PhaseProfiling,
		JobPoll: 2 * time.Millisecond, DownloadJob: download}
	var prog Progress
	New(cfg, transport.NewClient(clk, 4), clk, out, &prog).Run(ctx, ctx)
	close(out)
	return <-out // nil when the run stopped before sending
}

// A job is polled until completed, then downloaded: one video, the
// server's figures, the latency to the download's end; every way a job
// can go wrong is the request's error, named.
func TestAwaitJob(t *testing.T) {
	ctx := context.Background()
	queued := `{"id":"v1","object":"video","status":"queued"}`
	rec := mustJob(t, queued, func(n int64) (int, string) {
		if n < 3 {
			return 200, `{"id":"v1","status":"in_progress","progress":50}`
		}
		return 200, `{"id":"v1","status":"completed","inference_time_s":1.5,"peak_memory_mb":900}`
	}, true, ctx)
	if rec.Error != nil || rec.OutputVideos != 1 || rec.VideoInferenceS != 1.5 || rec.VideoPeakMB != 900 || len(rec.Responses) != 2 ||
		rec.Responses[1].Ns != rec.EndNs || rec.BytesReceived < 20 {
		t.Fatalf("%+v %+v", rec, rec.Error)
	}
	for name, c := range map[string]struct {
		submit string
		code   int
		body   string
		want   string
	}{
		"failed":   {queued, 200, `{"id":"v1","status":"failed","error":{"message":"oom"}}`, "VideoJobFailed"},
		"poll 500": {queued, 500, `boom`, "JobPollError"},
		"not json": {queued, 200, `{"object":"list"}`, "InvalidResponseError"},
		"no job":   {`{"object":"video"}`, 200, ``, "EmptyResponseError"},
	} {
		rec := mustJob(t, c.submit, func(int64) (int, string) { return c.code, c.body }, false, ctx)
		if rec.Error == nil || rec.Error.Type != c.want {
			t.Errorf("%s: %+v", name, rec.Error)
		}
	}
	// A job the run stops under (here while it is polled; on a slow
	// machine maybe while submitted, or before it was sent at all) is an
	// error, never a video.
	stop, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	rec = runJob(t, queued, func(int64) (int, string) { return 200, `{"id":"v1","status":"in_progress"}` }, false, stop)
	if rec != nil && (rec.Error == nil || rec.OutputVideos != 0) {
		t.Errorf("a job the run stopped under: %+v", rec.Error)
	}
}

// mustJob is runJob where the request must have been sent.
func mustJob(t *testing.T, submit string, poll func(n int64) (int, string), download bool, ctx context.Context) *record.Record {
	t.Helper()
	rec := runJob(t, submit, poll, download, ctx)
	if rec == nil {
		t.Fatal("no record")
	}
	return rec
}
