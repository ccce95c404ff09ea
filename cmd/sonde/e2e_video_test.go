package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

// chatChecker is a chat server written from the public API descriptions
// (OpenAI's content parts, vLLM's video_url and uuid), not from sonde's
// types: it decodes each part's media and counts what it saw.
type chatChecker struct {
	*httptest.Server
	mu sync.Mutex
	// seen counts parts by kind: image, wav, mp3, webm, mp4, stripped (a
	// uuid alone), uuid (a uuid with content); form counts form requests.
	seen map[string]int
	why  []string
}

func newChatChecker(t *testing.T) *chatChecker {
	c := &chatChecker{seen: map[string]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet { // the run's questions before it (/version, /v1/models)
			http.NotFound(w, r)
			return
		}
		var err error
		answer := `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"fine thanks"},"finish_reason":"stop"}]}`
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = checkForm(r, "", nil, "input", "model")
			answer = `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5]}],"model":"m"}`
			c.count("form", err)
		} else {
			err = c.checkChat(r)
		}
		if err != nil {
			c.mu.Lock()
			c.why = append(c.why, err.Error())
			c.mu.Unlock()
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(answer))
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *chatChecker) count(kind string, err error) {
	if err == nil {
		c.mu.Lock()
		c.seen[kind]++
		c.mu.Unlock()
	}
}

func (c *chatChecker) checkChat(r *http.Request) error {
	var body struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return err
	}
	for _, m := range body.Messages {
		var parts []map[string]json.RawMessage
		if json.Unmarshal(m.Content, &parts) != nil {
			continue // text
		}
		for _, p := range parts {
			kind, err := checkPart(p)
			if err != nil {
				return err
			}
			c.count(kind, nil)
		}
	}
	return nil
}

// checkPart reads one content part: its media decode as what they claim.
func checkPart(p map[string]json.RawMessage) (string, error) {
	var typ, uuid string
	json.Unmarshal(p["type"], &typ)
	json.Unmarshal(p["uuid"], &uuid)
	var obj struct {
		URL    string `json:"url"`
		Data   string `json:"data"`
		Format string `json:"format"`
	}
	json.Unmarshal(p[typ], &obj)
	switch typ {
	case "text":
		return "text", nil
	case "image_url":
		if obj.URL == "" && uuid != "" {
			return "stripped", nil
		}
		raw, err := dataURL(obj.URL, "data:image/")
		if err == nil {
			err = decodeImage(raw)
		}
		if uuid != "" {
			return "uuid", err
		}
		return "image", err
	case "input_audio":
		raw, err := base64.StdEncoding.DecodeString(obj.Data)
		switch {
		case err != nil:
			return "", err
		case obj.Format == "wav":
			return "wav", checkWAV(raw)
		case obj.Format == "mp3" && len(raw) > 4 && binary.BigEndian.Uint16(raw)&0xFFE0 == 0xFFE0:
			return "mp3", nil // an MPEG audio frame's sync word first
		}
		return "", fmt.Errorf("input_audio %q: not a WAV or MP3 file", obj.Format)
	case "video_url":
		raw, err := dataURL(obj.URL, "data:video/")
		switch {
		case err != nil:
			return "", err
		case strings.HasPrefix(obj.URL, "data:video/webm;") && len(raw) > 4 && binary.BigEndian.Uint32(raw) == 0x1A45DFA3:
			return "webm", nil // an EBML header
		case strings.HasPrefix(obj.URL, "data:video/mp4;") && len(raw) > 8 && string(raw[4:8]) == "ftyp":
			return "mp4", nil
		}
		return "", fmt.Errorf("video_url: not the WebM or MP4 file it claims: %.30s", obj.URL)
	}
	return "", fmt.Errorf("unknown part type %q", typ)
}

func dataURL(url, prefix string) ([]byte, error) {
	head, b64, ok := strings.Cut(url, ";base64,")
	if !ok || !strings.HasPrefix(head, prefix) {
		return nil, fmt.Errorf("not a %s… base64 data URL: %.40s", prefix, url)
	}
	return base64.StdEncoding.DecodeString(b64)
}

// AIPerf's video and audio commands run as they are, read by a server that
// knows only the public APIs: every video is the container it claims,
// with its sound track; MP3 clips are MPEG audio frames; the records carry
// the sizes sent and the simulator charges them.
func TestVideoAndMP3Inputs(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	sondetest.NeedFFmpeg(t)
	c := newChatChecker(t)
	base := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", c.URL, "--request-count", "3", "--concurrency", "2",
		"--isl", "8", "--osl", "4", "--no-server-metrics", "--ui-type", "none", "--num-dataset-entries", "3",
		"--video-width", "64", "--video-height", "48", "--video-duration", "1", "--video-fps", "2"}
	for _, args := range [][]string{
		{"--video-synth-type", "grid_clock", "--video-audio-num-channels", "1", "--video-audio-sample-rate", "16"},
		{"--video-format", "mp4", "--video-codec", "libx264", "--video-synth-type", "noise", "--audio-length-mean", "1",
			"--audio-format", "mp3", "--audio-sample-rates", "16,44.1", "--video-batch-size", "2"},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, append(append(base, "--artifact-dir", dir), args...)...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, res.code, res.stderr)
		}
		if !strings.Contains(res.stdout+res.stderr, "Media prepared in") {
			t.Errorf("the preparation time is not reported: %s", res.stderr)
		}
		inputs, _ := os.ReadFile(filepath.Join(dir, "inputs.json"))
		if !strings.Contains(string(inputs), `"url": "sonde-video:`) || strings.Contains(string(inputs), "data:video") {
			t.Errorf("inputs.json must name the videos, not inline them")
		}
		records, _ := os.ReadFile(filepath.Join(dir, "profile_export.jsonl"))
		if strings.Count(string(records), `"video_frames":{"value":`) != 3 {
			t.Errorf("every record carries its video frames:\n%.600s", records)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.why) > 0 || c.seen["webm"] != 3 || c.seen["mp4"] != 6 || c.seen["mp3"] != 3 {
		t.Errorf("seen %v: %v", c.seen, c.why)
	}

	// The simulator charges each video its sampled frames' tiles.
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	dir := filepath.Join(t.TempDir(), "sim")
	res := runSonde(t, append(base[:5:5], "--url", sim.addr, "--request-count", "2", "--concurrency", "1", "--isl", "8", "--osl", "4",
		"--ui-type", "none", "--num-dataset-entries", "2", "--video-width", "56", "--video-height", "56", "--video-duration", "1", "--video-fps", "2",
		"--video-audio-num-channels", "2", "--audio-length-mean", "1", "--audio-format", "mp3", "--extra-inputs", "ignore_eos:true",
		"--use-server-token-count", "--artifact-dir", dir)...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	records, _ := os.ReadFile(filepath.Join(dir, "profile_export.jsonl"))
	// 8 text tokens, 1 s of MP3 at 25 a second (LAME pads it by up to
	// two frames: 72 ms at 16 kHz), 2 frames as 1 pair of 2×2 tiles.
	got := regexp.MustCompile(`"usage_prompt_tokens":\{"value":(\d+),`).FindAllStringSubmatch(string(records), -1)
	for _, m := range got {
		if n, _ := strconv.Atoi(m[1]); n < 8+25+4 || n > 8+27+4 {
			t.Errorf("%d prompt tokens, want 8 text + 25–27 audio + 4 video", n)
		}
	}
	if len(got) != 2 {
		t.Errorf("%d records with usage, want 2", len(got))
	}
}

// A single_turn file's media go as the file says — a WAV file, AIPerf's
// "mp3,<base64>" string, a video file, images with uuids — and
// --uuid-and-strip sends an image its session already sent as its uuid
// alone; the simulator refuses a uuid it never saw.
func TestFileMediaAndUUIDStrip(t *testing.T) {
	sondetest.NeedFFmpeg(t)
	dir := t.TempDir()
	ffmpeg := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=2", "-t", "1",
		"-c:v", "libvpx-vp9", "-deadline", "realtime", "-f", "webm", filepath.Join(dir, "clip.webm"))
	if out, err := ffmpeg.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	wav := append(wavHeader(800, 8000), make([]byte, 1600)...)
	os.WriteFile(filepath.Join(dir, "hello.wav"), wav, 0o644)
	var tiny bytes.Buffer
	png.Encode(&tiny, image.NewGray(image.Rect(0, 0, 30, 30)))
	os.WriteFile(filepath.Join(dir, "cat.png"), tiny.Bytes(), 0o644)
	lines := []string{
		`{"session_id": "s1", "text": "look", "images": ["cat.png"], "image_uuids": ["cat"], "audio": "hello.wav", "video": "clip.webm"}`,
		`{"session_id": "s1", "text": "again", "images": ["cat.png", "cat.png"], "image_uuids": ["cat", "cat2"], "audio": "wav,` + base64.StdEncoding.EncodeToString(wav) + `"}`,
		`{"session_id": "s2", "text": "other", "images": ["cat.png"], "image_uuids": ["cat"]}`,
	}
	file := filepath.Join(dir, "mm.jsonl")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	c := newChatChecker(t)
	run := func(url string, extra ...string) runResult {
		return runSonde(t, append([]string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", url, "--input-file", file,
			"--custom-dataset-type", "single_turn", "--osl", "4", "--no-server-metrics", "--ui-type", "none", "--concurrency", "1",
			"--conversation-context-mode", "deltas_without_responses", "--artifact-dir", filepath.Join(t.TempDir(), "out")}, extra...)...)
	}
	if res := run(c.URL, "--uuid-and-strip"); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	c.mu.Lock()
	// Session s1: turn 1 sends cat; turn 2 resends turn 1 (history: cat
	// with its bytes), strips cat and sends cat2. Session s2 sends cat.
	want := map[string]int{"uuid": 4, "stripped": 1, "wav": 3, "webm": 2}
	for k, n := range want {
		if c.seen[k] != n {
			t.Errorf("%s: %d parts, want %d (seen %v; %v)", k, c.seen[k], n, c.seen, c.why)
		}
	}
	c.mu.Unlock()
	// The simulator knows the uuids it was sent.
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	if res := run(sim.addr, "--uuid-and-strip"); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	recs := sim.stop(t)
	for _, r := range recs {
		if r.Status != http.StatusOK {
			t.Errorf("the simulator refused a request (%d): %s", r.Status, r.Response)
		}
	}
	if len(recs) != 3 {
		t.Errorf("%d requests, want 3", len(recs))
	}
	for _, bad := range [][]string{
		{"--uuid-and-strip", "--custom-dataset-type", "multi_turn"},
		{"--uuid-and-strip", "--endpoint-type", "completions"},
	} {
		if res := run(c.URL, bad...); res.code == 0 || !strings.Contains(res.stderr, "--uuid-and-strip") {
			t.Errorf("%v: exit %d: %s", bad, res.code, res.stderr)
		}
	}
}

// wavHeader is a 16-bit mono PCM WAV header for frames frames (RFC 2361's
// layout, written here from the format's description).
func wavHeader(frames, rate int) []byte {
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+frames*2))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(frames*2))
	return h
}

// A JSON API's request sent as a form (--request-content-type
// multipart/form-data): the server reads its fields as form values.
func TestRequestContentTypeForm(t *testing.T) {
	c := newChatChecker(t)
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--url", c.URL, "--endpoint-type", "embeddings",
		"--request-content-type", "multipart/form-data", "--request-count", "3", "--isl", "8", "--no-server-metrics", "--ui-type", "none",
		"--artifact-dir", filepath.Join(t.TempDir(), "out"))
	c.mu.Lock()
	defer c.mu.Unlock()
	if res.code != 0 || c.seen["form"] != 3 {
		t.Fatalf("exit %d, %d forms: %s %v", res.code, c.seen["form"], res.stderr, c.why)
	}
}
