package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// mediaChecker is a server written from the public API descriptions, not
// from sonde's types: it decodes every image in full and reads every WAV
// clip's chunks, and counts the requests whose media are what they claim.
type mediaChecker struct {
	*httptest.Server
	mu        sync.Mutex
	good, bad map[string]int // by path
	why       []string
}

func newMediaChecker(t *testing.T) *mediaChecker {
	c := &mediaChecker{good: map[string]int{}, bad: map[string]int{}}
	var tiny bytes.Buffer
	png.Encode(&tiny, image.NewGray(image.Rect(0, 0, 2, 2)))
	imageAnswer := fmt.Sprintf(`{"created":1,"data":[{"b64_json":%q}]}`, base64.StdEncoding.EncodeToString(tiny.Bytes()))
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet { // what a run asks of the server before it (its /version): not the API's
			http.NotFound(w, r)
			return
		}
		var err error
		answer := imageAnswer
		switch r.URL.Path {
		case "/v1/images/edits":
			err = checkForm(r, "image", decodeImage, "prompt", "model", "response_format", "n")
		case "/v1/audio/transcriptions":
			err, answer = checkForm(r, "file", checkWAV, "model"), `{"text":"hello there world"}`
		case "/v1/infer":
			err, answer = checkRetrieval(r), `{"data":[{"index":0,"bounding_boxes":{}}]}`
		default:
			err = fmt.Errorf("no such route")
		}
		c.mu.Lock()
		if err != nil {
			c.bad[r.URL.Path]++
			c.why = append(c.why, r.URL.Path+": "+err.Error())
		} else {
			c.good[r.URL.Path]++
		}
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(answer))
	}))
	t.Cleanup(c.Close)
	return c
}

// checkForm reads a multipart form (RFC 7578): the file part, unless file
// is "", must decode with check; the fields must be there.
func checkForm(r *http.Request, file string, check func([]byte) error, fields ...string) error {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return err
	}
	for _, f := range fields {
		if r.FormValue(f) == "" {
			return fmt.Errorf("no %s field", f)
		}
	}
	if file == "" {
		return nil
	}
	fh, ok := r.MultipartForm.File[file]
	if !ok || len(fh) != 1 {
		return fmt.Errorf("no %s file", file)
	}
	f, err := fh[0].Open()
	if err != nil {
		return err
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return check(b)
}

func decodeImage(b []byte) error {
	_, _, err := image.Decode(bytes.NewReader(b))
	return err
}

// checkWAV reads a RIFF/WAVE file's fmt and data chunks.
func checkWAV(b []byte) error {
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" || string(b[12:16]) != "fmt " {
		return fmt.Errorf("not a WAVE file")
	}
	if riff := binary.LittleEndian.Uint32(b[4:8]); int(riff) != len(b)-8 {
		return fmt.Errorf("RIFF size %d for %d bytes", riff, len(b))
	}
	if string(b[36:40]) != "data" || int(binary.LittleEndian.Uint32(b[40:44])) != len(b)-44 {
		return fmt.Errorf("data chunk size")
	}
	return nil
}

func checkRetrieval(r *http.Request) error {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return err
	}
	items, _ := body["input"].([]any)
	if len(items) == 0 {
		return fmt.Errorf("no input")
	}
	for _, it := range items {
		m, _ := it.(map[string]any)
		url, _ := m["url"].(string)
		_, data, ok := strings.Cut(url, ";base64,")
		raw, err := base64.StdEncoding.DecodeString(data)
		if m["type"] != "image_url" || !ok || err != nil {
			return fmt.Errorf("not an image_url data URL")
		}
		if err := decodeImage(raw); err != nil {
			return err
		}
	}
	return nil
}

// Every media endpoint's requests, read by a server that knows only the
// public APIs: every image decodes in full (PNG and JPEG), every clip is a
// whole WAVE file, every form has its fields.
func TestMediaEndpointsIndependentServer(t *testing.T) {
	c := newMediaChecker(t)
	img := []string{"--image-width-mean", "40", "--image-height-mean", "24", "--image-batch-size", "1"}
	for _, run := range []struct {
		path string
		args []string
	}{
		{"/v1/images/edits", append([]string{"--endpoint-type", "image_edit", "--image-format", "jpeg"}, img...)},
		{"/v1/images/edits", append([]string{"--endpoint-type", "image_edit", "--image-format", "png", "--http-client", "std"}, img...)},
		{"/v1/infer", append([]string{"--endpoint-type", "image_retrieval", "--image-format", "random"}, img...)},
		{"/v1/audio/transcriptions", []string{"--endpoint-type", "audio_transcription", "--audio-length-mean", "1.5", "--audio-batch-size", "1",
			"--audio-sample-rates", "8,16", "--audio-depths", "8,16,24"}},
	} {
		res := runSonde(t, append([]string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", c.URL, "--request-count", "4", "--concurrency", "2",
			"--isl", "8", "--no-server-metrics", "--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "out")}, run.args...)...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d: %s", run.args, res.code, res.stderr)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.why) > 0 || c.good["/v1/images/edits"] != 8 || c.good["/v1/infer"] != 4 || c.good["/v1/audio/transcriptions"] != 4 {
		t.Errorf("good %v, bad %v: %v", c.good, c.bad, c.why)
	}
}
