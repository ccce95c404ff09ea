package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A video job goes queued, in progress, completed (with the server's
// inference time and peak memory), and its content is an MP4 once done.
func TestVideoJobs(t *testing.T) {
	addr, _ := serve(t, nil)
	body, ct := form(t, "", nil, "prompt", "waves", "model", "wan", "seconds", "1")
	resp, got := post(t, addr+"/v1/videos", body, "Content-Type", ct)
	var job struct {
		ID, Status string
		Progress   int
		Inference  float64 `json:"inference_time_s"`
	}
	json.Unmarshal([]byte(got), &job)
	if resp.StatusCode != 200 || job.Status != "queued" || !strings.HasPrefix(job.ID, "video_") {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	get := func(path string) (int, []byte) {
		resp, err := http.Get(addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := get("/v1/videos/" + job.ID + "/content"); code != http.StatusConflict {
		t.Errorf("content before the end: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for job.Status != "completed" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		_, b := get("/v1/videos/" + job.ID)
		json.Unmarshal(b, &job)
	}
	if job.Status != "completed" || job.Progress != 100 || job.Inference <= 0 {
		t.Fatalf("%+v", job)
	}
	code, mp4 := get("/v1/videos/" + job.ID + "/content")
	if code != 200 || !bytes.Equal(mp4[4:8], []byte("ftyp")) || len(mp4) < videoBytesPerS {
		t.Fatalf("content %d, %d bytes", code, len(mp4))
	}
	if code, _ := get("/v1/videos/nope"); code != http.StatusNotFound {
		t.Errorf("unknown id: %d", code)
	}
	resp, _ = post(t, addr+"/v1/videos", `{"prompt":"x","seconds":0}`, "Content-Type", "application/json")
	resp2, _ := post(t, addr+"/v1/videos", `{"model":"m"}`, "Content-Type", "application/json")
	if resp.StatusCode != 400 || resp2.StatusCode != 400 {
		t.Errorf("bad jobs: %d %d", resp.StatusCode, resp2.StatusCode)
	}
}
