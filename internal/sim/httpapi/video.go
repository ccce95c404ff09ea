package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Video generation is a job, as OpenAI's and SGLang's video APIs run it:
// POST /v1/videos queues it; GET /v1/videos/{id} says its state (queued,
// in_progress with a progress percent, completed with the server's
// inference time and peak memory); GET /v1/videos/{id}/content gives the
// video. The model, on purpose simple: 100 ms plus 25 ms per second of
// video; the video is an MP4 header and 50 kB per second.
const (
	videoBase       = 100 * time.Millisecond
	videoPerSecond  = 25 * time.Millisecond
	videoBytesPerS  = 50_000
	maxVideoJobs    = 100_000
	defaultVideoSec = 4
)

// videoJob is one submitted video.
type videoJob struct {
	id, model, size string
	seconds         int
	created         time.Time
	takes           time.Duration
}

// videoJobs are the jobs submitted, by id (at most maxVideoJobs).
type videoJobs struct {
	mu   sync.Mutex
	jobs map[string]*videoJob
}

func (s *Server) videoCreate(w http.ResponseWriter, r *http.Request) {
	n, arrival, rec, body, err := s.begin(r)
	defer s.end(rec, arrival, body)
	if err != nil {
		badRequest(w, rec, "reading body: "+err.Error())
		return
	}
	fields, _, err := readForm(body)
	if err != nil {
		fields = map[string]string{}
		var js map[string]any
		if json.Unmarshal(body, &js) != nil {
			badRequest(w, rec, "a multipart/form-data or JSON body is required (prompt, model)")
			return
		}
		for k, v := range js {
			fields[k] = fmt.Sprint(v)
		}
	}
	seconds := defaultVideoSec
	if v, ok := fields["seconds"]; ok {
		if seconds, err = strconv.Atoi(v); err != nil || seconds < 1 || seconds > 60 {
			badRequest(w, rec, "seconds must be 1 to 60")
			return
		}
	}
	if fields["prompt"] == "" {
		badRequest(w, rec, "prompt is required")
		return
	}
	if _, answered := s.fault(w, rec, n); answered {
		return
	}
	job := &videoJob{id: fmt.Sprintf("video_%d", n), model: fields["model"], size: fields["size"], seconds: seconds, created: arrival,
		takes: videoBase + time.Duration(seconds)*videoPerSecond}
	if job.size == "" {
		job.size = "1280x720"
	}
	s.videos.mu.Lock()
	if s.videos.jobs == nil {
		s.videos.jobs = map[string]*videoJob{}
	}
	if len(s.videos.jobs) >= maxVideoJobs {
		s.videos.mu.Unlock()
		rec.Status = http.StatusTooManyRequests
		writeError(w, rec.Status, "too many video jobs", "RateLimitError")
		return
	}
	s.videos.jobs[job.id] = job
	s.videos.mu.Unlock()
	writeJSON(w, http.StatusOK, job.state(arrival))
}

// state is the job's video object at now.
func (j *videoJob) state(now time.Time) map[string]any {
	out := map[string]any{"id": j.id, "object": "video", "model": j.model, "size": j.size, "seconds": strconv.Itoa(j.seconds),
		"created_at": j.created.Unix(), "status": "queued", "progress": 0}
	switch done := now.Sub(j.created); {
	case done >= j.takes:
		out["status"], out["progress"], out["completed_at"] = "completed", 100, j.created.Add(j.takes).Unix()
		out["inference_time_s"], out["peak_memory_mb"] = j.takes.Seconds(), 20_000+500*j.seconds
		out["url"] = "/v1/videos/" + j.id + "/content"
	case done >= j.takes/10:
		out["status"], out["progress"] = "in_progress", int(100*done/j.takes)
	}
	return out
}

func (s *Server) videoJob(w http.ResponseWriter, r *http.Request) (*videoJob, bool) {
	s.videos.mu.Lock()
	j := s.videos.jobs[r.PathValue("id")]
	s.videos.mu.Unlock()
	if j == nil {
		writeError(w, http.StatusNotFound, "no video "+r.PathValue("id"), "NotFoundError")
	}
	return j, j != nil
}

func (s *Server) videoStatus(w http.ResponseWriter, r *http.Request) {
	if j, ok := s.videoJob(w, r); ok {
		writeJSON(w, http.StatusOK, j.state(time.Now()))
	}
}

// videoContent is the finished video: an MP4 file type box, then bytes.
func (s *Server) videoContent(w http.ResponseWriter, r *http.Request) {
	j, ok := s.videoJob(w, r)
	if !ok {
		return
	}
	if time.Since(j.created) < j.takes {
		writeError(w, http.StatusConflict, "video "+j.id+" is not finished", "ConflictError")
		return
	}
	ftyp := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
	w.Header().Set("Content-Type", "video/mp4")
	w.Write(append(ftyp, make([]byte, j.seconds*videoBytesPerS)...))
}
