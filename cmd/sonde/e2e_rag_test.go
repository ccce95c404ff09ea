package main

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --endpoint-type solido_rag: AIPerf's SOLIDO payload (the turn's texts as
// the query, SOLIDO's filters, the inference model), each turn of a
// conversation on its own; the answer's text is the output, streamed or
// whole; --osl is ignored (the API has no output-length field).
func TestSolidoRAG(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	base := []string{"profile", "-m", "rag-model", "--tokenizer", "builtin", "--endpoint-type", "solido_rag", "--url", sim.addr, "--conversation-num", "2",
		"--conversation-turn-mean", "2", "--conversation-turn-stddev", "0", "--isl", "12", "--osl", "6", "--concurrency", "2", "--ui-type", "none"}
	for _, c := range []struct {
		args   []string
		stream bool
	}{{nil, false}, {[]string{"--streaming", "--extra-inputs", "stream:true"}, true}} {
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, append(append(base, "--artifact-dir", dir), c.args...)...)
		if res.code != 0 || !strings.Contains(res.stderr, "--osl ignored: --endpoint-type solido_rag has no output-length field") {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if stat(t, s, "request_count", "avg") != 4 || stat(t, s, "output_sequence_length", "avg") <= 0 || stat(t, s, "input_sequence_length", "avg") != 12 {
			t.Errorf("stream %v: %v requests, OSL %v, ISL %v (each turn alone: 12)", c.stream, s["request_count"], s["output_sequence_length"], s["input_sequence_length"])
		}
		if _, ttft := s["time_to_first_token"]; ttft != c.stream {
			t.Errorf("stream %v: TTFT present %v", c.stream, ttft)
		}
	}
	recs := sim.stop(t)
	if len(recs) != 8 {
		t.Fatalf("%d requests", len(recs))
	}
	for _, r := range recs {
		var body struct {
			Query          []string          `json:"query"`
			Filters        map[string]string `json:"filters"`
			InferenceModel string            `json:"inference_model"`
			Messages       any               `json:"messages"`
			MaxTokens      any               `json:"max_tokens"`
		}
		json.Unmarshal(r.Body, &body)
		if r.Path != "/rag/api/prompt" || len(body.Query) != 1 || body.InferenceModel != "rag-model" || body.Filters["family"] != "Solido" || body.Filters["tool"] != "SDE" ||
			body.Messages != nil || body.MaxTokens != nil {
			t.Errorf("%s %s", r.Path, r.Body)
		}
		for _, other := range recs { // no history: no query repeats an answer
			if len(other.Response) > 10 && strings.Contains(body.Query[0], other.Response) {
				t.Errorf("a query carries an earlier answer: %s", r.Body)
			}
		}
	}
}

// --endpoint-type image_generation: the turn's text as the prompt, b64_json
// asked; whole answers count their images, streamed ones time the first
// partial image; the summary's image totals rebuild from the records.
func TestImageGenerationEndpoint(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	base := []string{"profile", "-m", "painter", "--tokenizer", "builtin", "--endpoint-type", "image_generation", "--url", sim.addr, "--request-count", "4",
		"--concurrency", "2", "--isl", "12", "--ui-type", "none", "--extra-inputs", "size:64x64"}
	for _, c := range []struct {
		args   []string
		stream bool
		images float64
	}{{[]string{"--extra-inputs", "n:2"}, false, 8}, {[]string{"--streaming", "--extra-inputs", "partial_images:1"}, true, 4}} {
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, append(append(base, "--artifact-dir", dir), c.args...)...)
		if res.code != 0 || !strings.Contains(res.stdout, "Image Generation Metrics") {
			t.Fatalf("exit %d: %s\n%s", res.code, res.stderr, res.stdout)
		}
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if stat(t, s, "request_count", "avg") != 4 || stat(t, s, "total_output_images", "avg") != c.images || stat(t, s, "output_image_throughput", "avg") <= 0 ||
			stat(t, s, "input_sequence_length", "avg") != 12 {
			t.Errorf("stream %v: %v", c.stream, s)
		}
		if _, has := s["output_token_throughput"]; has {
			t.Error("output token throughput for images")
		}
		if _, ttft := s["time_to_first_token"]; ttft != c.stream {
			t.Errorf("stream %v: TTFT present %v", c.stream, ttft)
		}
		os.Remove(filepath.Join(dir, "profile_export_aiperf.json"))
		if res := runSonde(t, "summarize", dir); res.code != 0 {
			t.Fatalf("summarize: %s", res.stderr)
		}
		if r := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json")); stat(t, r, "total_output_images", "avg") != c.images {
			t.Errorf("summarize: %v images", r["total_output_images"])
		}
	}
	for _, r := range sim.stop(t) {
		var body map[string]any
		json.Unmarshal(r.Body, &body)
		if r.Path != "/v1/images/generations" || r.Status != 200 || body["prompt"] == "" || body["response_format"] != "b64_json" || body["model"] != "painter" {
			t.Errorf("%s %d %s", r.Path, r.Status, r.Body)
		}
	}
}

// --endpoint-type audio_transcription: each turn's clip goes as the
// multipart "file" (byte for byte the clip made), over both HTTP clients;
// the transcript is the output, RTFx the audio's seconds per second of
// latency; without audio the run is refused up front.
func TestAudioTranscriptionEndpoint(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	for _, client := range []string{"lean", "std"} {
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, "profile", "-m", "whisper", "--tokenizer", "builtin", "--endpoint-type", "audio_transcription", "--url", sim.addr,
			"--request-count", "3", "--concurrency", "2", "--audio-length-mean", "2", "--audio-batch-size", "1", "--extra-inputs", "language:en",
			"--http-client", client, "--ui-type", "none", "--artifact-dir", dir)
		if res.code != 0 || !strings.Contains(res.stdout, "Audio Transcription Metrics") {
			t.Fatalf("%s: exit %d: %s", client, res.code, res.stderr)
		}
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		// 2 s of audio: a 6-token transcript as the simulator counts it
		// (sonde's count of the text may differ by a token), no text sent.
		if osl := stat(t, s, "output_sequence_length", "avg"); stat(t, s, "request_count", "avg") != 3 || osl < 5 || osl > 8 || stat(t, s, "input_sequence_length", "avg") != 0 {
			t.Errorf("%s: %v requests, OSL %v, ISL %v", client, s["request_count"], osl, s["input_sequence_length"])
		}
		// Each request's rtfx is its 2 s of audio over its latency: the
		// smallest is 2 s over the longest latency.
		if rtfx := stat(t, s, "rtfx", "min"); math.Abs(rtfx-2/(stat(t, s, "request_latency", "max")/1000)) > rtfx*1e-6 {
			t.Errorf("%s: rtfx min %v, latency max %v ms", client, rtfx, stat(t, s, "request_latency", "max"))
		}
	}
	for _, r := range sim.stop(t) {
		var body string
		json.Unmarshal(r.Body, &body) // not JSON: the simulator recorded it as a string
		if r.Path != "/v1/audio/transcriptions" || r.Status != 200 || !strings.HasPrefix(body, "--sonde-") || !strings.Contains(body, `filename="audio.wav"`) ||
			!strings.Contains(body, "RIFF") || !strings.Contains(body, "name=\"language\"\r\n\r\nen\r\n") {
			t.Errorf("%s %d %.200q", r.Path, r.Status, body)
		}
	}
	res := runSonde(t, "profile", "-m", "m", "--endpoint-type", "audio_transcription", "--url", sim.addr, "--ui-type", "none", "--artifact-dir", t.TempDir())
	if res.code != exitUsage || !strings.Contains(res.stderr, "audio_transcription sends each turn's audio") {
		t.Errorf("exit %d: %s", res.code, res.stderr)
	}
}

// --endpoint-type image_edit: each turn's synthetic image and text as the
// multipart form, over both HTTP clients; images out counted, images in
// measured (AIPerf's image metrics); without images the run is refused.
func TestImageEditEndpoint(t *testing.T) {
	sim := startSim(t)
	for _, client := range []string{"lean", "std"} {
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, "profile", "-m", "flux", "--tokenizer", "builtin", "--endpoint-type", "image_edit", "--url", sim.addr, "--request-count", "3",
			"--concurrency", "2", "--image-width-mean", "48", "--image-height-mean", "32", "--image-batch-size", "1", "--isl", "10",
			"--http-client", client, "--ui-type", "none", "--artifact-dir", dir)
		if res.code != 0 || !strings.Contains(res.stdout, "Image Edit Metrics") {
			t.Fatalf("%s: exit %d: %s", client, res.code, res.stderr)
		}
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if stat(t, s, "total_output_images", "avg") != 3 || stat(t, s, "num_images", "avg") != 1 || stat(t, s, "input_sequence_length", "avg") != 10 {
			t.Errorf("%s: %v images out, %v in, ISL %v", client, s["total_output_images"], s["num_images"], s["input_sequence_length"])
		}
	}
	for _, r := range sim.stop(t) {
		var body string
		json.Unmarshal(r.Body, &body)
		// The PNG signature's first byte is not UTF-8: the record replaced it.
		if r.Path != "/v1/images/edits" || r.Status != 200 || !strings.Contains(body, `name="image"; filename="image.png"`) || !strings.Contains(body, "PNG\r\n") {
			t.Errorf("%s %d %.200q", r.Path, r.Status, body)
		}
	}
	res := runSonde(t, "profile", "-m", "m", "--endpoint-type", "image_edit", "--url", "sim://", "--ui-type", "none", "--artifact-dir", t.TempDir())
	if res.code != exitUsage || !strings.Contains(res.stderr, "image_edit sends each turn's images") {
		t.Errorf("exit %d: %s", res.code, res.stderr)
	}
}

// --endpoint-type image_retrieval: each turn's images as NIM's input list
// (no text); each result counted as an input, AIPerf's image metrics of
// what was sent.
func TestImageRetrievalEndpoint(t *testing.T) {
	sim := startSim(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "retriever", "--tokenizer", "builtin", "--endpoint-type", "image_retrieval", "--url", sim.addr, "--request-count", "3",
		"--concurrency", "2", "--image-width-mean", "40", "--image-height-mean", "30", "--image-batch-size", "2", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 || !strings.Contains(res.stdout, "Image Retrieval Metrics") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if stat(t, s, "total_inputs", "avg") != 6 || stat(t, s, "num_images", "avg") != 2 || stat(t, s, "input_sequence_length", "avg") != 0 {
		t.Errorf("%v results, %v images per request, ISL %v", s["total_inputs"], s["num_images"], s["input_sequence_length"])
	}
	for _, r := range sim.stop(t) {
		var body struct {
			Input []struct{ Type, URL string } `json:"input"`
		}
		json.Unmarshal(r.Body, &body)
		if r.Path != "/v1/infer" || r.Status != 200 || len(body.Input) != 2 || body.Input[0].Type != "image_url" || !strings.HasPrefix(body.Input[0].URL, "data:image/png;base64,") {
			t.Errorf("%s %d %.200s", r.Path, r.Status, r.Body)
		}
	}
}

// --endpoint-type raw: a raw_payload dataset's bodies go verbatim to the
// --url as given (no path added); the answers are auto-detected (here a
// chat stream, token by token); without such a dataset the run is refused.
func TestRawEndpoint(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	dir := filepath.Join(t.TempDir(), "sessions")
	os.Mkdir(dir, 0o755)
	body := `{"model":"m","messages":[{"role":"user","content":"tell me"}],"max_tokens":4,"stream":true,"ignore_eos":true}`
	os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(body+"\n"+body+"\n"), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--endpoint-type", "raw", "--url", sim.addr+"/v1/chat/completions",
		"--input-file", dir, "--custom-dataset-type", "raw_payload", "--ui-type", "none", "--artifact-dir", out)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	s := readJSON(t, filepath.Join(out, "profile_export_aiperf.json"))
	if stat(t, s, "request_count", "avg") != 2 || stat(t, s, "output_sequence_length", "avg") != 4 || stat(t, s, "time_to_first_token", "avg") <= 0 {
		t.Errorf("%v requests, OSL %v", s["request_count"], s["output_sequence_length"])
	}
	for _, r := range sim.stop(t) {
		if r.Path != "/v1/chat/completions" || string(r.Body) != body {
			t.Errorf("%s %s", r.Path, r.Body)
		}
	}
	res = runSonde(t, "profile", "-m", "m", "--endpoint-type", "raw", "--url", "sim://", "--ui-type", "none", "--artifact-dir", t.TempDir())
	if res.code != exitUsage || !strings.Contains(res.stderr, "raw_payload or inputs_json") {
		t.Errorf("exit %d: %s", res.code, res.stderr)
	}
}

// --endpoint-type video_generation: the job is submitted (multipart),
// polled until done and, with --download-video-content, downloaded; the
// request's latency runs to the end; the server's inference time and peak
// memory are AIPerf's video metrics. A job that fails is the request's
// error, named (a scripted server).
func TestVideoGenerationEndpoint(t *testing.T) {
	sim := startSim(t)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "-m", "wan", "--tokenizer", "builtin", "--endpoint-type", "video_generation", "--url", sim.addr, "--request-count", "2",
		"--concurrency", "2", "--isl", "8", "--extra-inputs", "seconds:1", "--download-video-content", "--ui-type", "none", "--artifact-dir", dir)
	if res.code != 0 || !strings.Contains(res.stdout, "Video Generation Metrics") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	// The simulator takes 125 ms for one second of video; sonde polls every 50.
	if stat(t, s, "total_output_videos", "avg") != 2 || stat(t, s, "video_inference_time", "avg") != 0.125 || stat(t, s, "request_latency", "min") < 125 ||
		stat(t, s, "http_req_data_received", "avg") < 50_000 {
		t.Errorf("%v videos, inference %v s, latency %v ms, received %v", s["total_output_videos"], s["video_inference_time"], s["request_latency"], s["http_req_data_received"])
	}
	// The job as JSON (--request-content-type application/json).
	res = runSonde(t, "profile", "-m", "wan", "--tokenizer", "builtin", "--endpoint-type", "video_generation", "--url", sim.addr, "--request-count", "1",
		"--isl", "8", "--extra-inputs", "seconds:1", "--request-content-type", "application/json", "--ui-type", "none", "--artifact-dir", filepath.Join(t.TempDir(), "json"))
	if res.code != 0 {
		t.Fatalf("as JSON: exit %d: %s", res.code, res.stderr)
	}
	recs := sim.stop(t)
	var job struct {
		Prompt  string  `json:"prompt"`
		Model   string  `json:"model"`
		Seconds float64 `json:"seconds"`
	}
	if last := recs[len(recs)-1]; json.Unmarshal(last.Body, &job) != nil || job.Prompt == "" || job.Model != "wan" || job.Seconds != 1 {
		t.Errorf("the job as JSON: %s", last.Body)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.Write([]byte(`{"id":"v9","object":"video","status":"queued"}`))
			return
		}
		w.Write([]byte(`{"id":"v9","object":"video","status":"failed","error":{"message":"out of memory"}}`))
	}))
	defer srv.Close()
	dir = filepath.Join(t.TempDir(), "out")
	res = runSonde(t, "profile", "-m", "wan", "--tokenizer", "builtin", "--endpoint-type", "video_generation", "--url", srv.URL, "--request-count", "1",
		"--no-server-metrics", "--ui-type", "none", "--artifact-dir", dir)
	if res.code == 0 || !strings.Contains(res.stderr, "VideoJobFailed") {
		t.Errorf("exit %d: %s", res.code, res.stderr)
	}
}
