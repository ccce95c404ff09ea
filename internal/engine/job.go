package engine

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
)

// defaultJobPoll is how often a video job is asked for its state: the
// request's end is known to within it.
const defaultJobPoll = 50 * time.Millisecond

// awaitJob follows a submitted video job (its id the answer's) to its end:
// it asks GET <url>/<id> every JobPoll; the request ends with the poll
// that saw it completed — or with the download of its content
// (--download-video-content) — and a failed job is the request's error.
func (s *session) awaitJob(ctx context.Context, req *transport.Request, rec *record.Record) {
	e := s.e
	if rec.Error != nil || rec.ResponseID == "" {
		if rec.Error == nil {
			rec.Error = &record.Error{Code: 200, Type: "InvalidResponseError", Message: "the video job's answer carried no id to poll"}
		}
		return
	}
	every := e.cfg.JobPoll
	if every <= 0 {
		every = defaultJobPoll
	}
	jobURL := strings.TrimRight(req.URL, "/") + "/" + url.PathEscape(rec.ResponseID)
	dec := e.cfg.Codec.NewDecoder()
	for {
		if !e.clock.Wait(ctx, e.clock.Now()+int64(every), nil) {
			rec.Error, rec.EndNs = &record.Error{Code: 499, Type: "RequestCancelledError", Message: "the run stopped while the video job ran"}, e.clock.Now()
			return
		}
		status, body, err := s.client.Get(ctx, jobURL, e.cfg.Header, req.Extra, 1<<20)
		now := e.clock.Now()
		rec.EndNs = now
		if err != nil || status != 200 {
			rec.Error = &record.Error{Code: status, Type: "JobPollError", Message: fmt.Sprintf("GET %s: %s %v", jobURL, body, err)}
			return
		}
		p, _, err := dec.Decode(body)
		if err != nil || p.Job == nil {
			rec.Error = &record.Error{Code: status, Type: "InvalidResponseError", Message: fmt.Sprintf("the job's state is not a video object: %.200s", body)}
			return
		}
		if !p.Job.Done() {
			continue
		}
		rec.Responses = append(rec.Responses, record.Response{Ns: now})
		if p.Job.Status == "failed" {
			rec.Error = &record.Error{Code: 200, Type: "VideoJobFailed", Message: "the video job failed: " + p.Err}
			return
		}
		rec.OutputVideos, rec.VideoInferenceS, rec.VideoPeakMB = 1, p.Job.InferenceS, p.Job.PeakMB
		if e.cfg.DownloadJob {
			status, body, err := s.client.Get(ctx, jobURL+"/content", e.cfg.Header, req.Extra, 1<<32)
			rec.EndNs = e.clock.Now()
			rec.Responses[len(rec.Responses)-1].Ns = rec.EndNs
			rec.BytesReceived += len(body)
			if err != nil || status != 200 {
				rec.Error = &record.Error{Code: status, Type: "JobDownloadError", Message: fmt.Sprintf("GET %s/content: %v", jobURL, err)}
			}
		}
		return
	}
}
