package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// AIPerf's vision command runs as is: every chat turn carries its images
// as image_url parts the server decodes as the PNGs asked for; the history
// resends them; AIPerf's image metrics are computed; the simulator charges
// each image its 28-pixel tiles in usage, as vLLM reports a VLM's prompt;
// inputs.json names the images without inlining them.
func TestVisionCommand(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "--model", "Qwen/Qwen2-VL-2B-Instruct", "--tokenizer", "builtin", "--endpoint-type", "chat",
		"--image-width-mean", "512", "--image-height-mean", "512", "--synthetic-input-tokens-mean", "100", "--streaming",
		"--url", sim.addr, "--request-count", "8", "--concurrency", "4", "--conversation-turn-mean", "2", "--conversation-turn-stddev", "0",
		"--osl", "4", "--random-seed", "3", "--artifact-dir", dir, "--ui-type", "none", "--num-dataset-entries", "4",
		"--extra-inputs", `{"stream_options":{"include_usage":true}}`)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, r := range sim.stop(t) {
		var body struct {
			Messages []struct {
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		images := 0
		for _, m := range body.Messages {
			var parts []struct {
				Type     string `json:"type"`
				ImageURL struct {
					URL string `json:"url"`
				} `json:"image_url"`
			}
			if json.Unmarshal(m.Content, &parts) != nil {
				continue // an assistant answer: a string
			}
			for _, p := range parts {
				if p.Type != "image_url" {
					continue
				}
				images++
				raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(p.ImageURL.URL, "data:image/png;base64,"))
				if err != nil {
					t.Fatalf("not a base64 PNG data URL: %.60s", p.ImageURL.URL)
				}
				cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
				if err != nil || format != "png" || cfg.Width != 512 || cfg.Height != 512 {
					t.Fatalf("image: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
				}
			}
		}
		if images != 1 && images != 2 {
			t.Errorf("a request carried %d images: want 1 (a first turn) or 2 (a second turn's history)", images)
		}
	}
	lines := readJSONL(t, filepath.Join(dir, "profile_export.jsonl"))
	for _, l := range lines {
		n := l.Metrics["num_images"].Value.(float64)
		isl, usage := l.Metrics["input_sequence_length"].Value.(float64), l.Metrics["usage_prompt_tokens"].Value.(float64)
		// 512 px is 19 tiles of 28 a side: 361 tokens an image, beside the text.
		if n != float64(l.Metadata.TurnIndex+1) || usage-isl != 361*n {
			t.Errorf("turn %d: %v images, usage %v − ISL %v", l.Metadata.TurnIndex, n, usage, isl)
		}
		if l.Metrics["image_latency"].Value == nil || l.Metrics["image_throughput"].Value == nil {
			t.Errorf("no image metrics: %v", l.Metrics)
		}
	}
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if stat(t, s, "image_throughput", "avg") <= 0 || stat(t, s, "num_images", "max") != 2 {
		t.Errorf("summary: image throughput %v, max images %v", stat(t, s, "image_throughput", "avg"), stat(t, s, "num_images", "max"))
	}
	if !strings.Contains(res.stdout, "Image Throughput (images/sec)") || !strings.Contains(res.stdout, "Image Latency (ms/image)") {
		t.Errorf("console lacks the image metrics:\n%s", res.stdout)
	}
	inputs, _ := os.ReadFile(filepath.Join(dir, "inputs.json"))
	if !strings.Contains(string(inputs), "sonde-image:png;512x512;bytes=") || strings.Contains(string(inputs), "base64") {
		t.Errorf("inputs.json should name the images, not inline them")
	}
	images := s["input_config"].(map[string]any)["datasets"].([]any)[0].(map[string]any)["images"].(map[string]any)
	if images["batch_size"] != 1.0 || images["source"] != "noise" {
		t.Errorf("input_config images %v", images)
	}
}

// Image flags that cannot be honoured are refused up front, as AIPerf
// refuses them.
func TestImageFlagsChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--image-width-mean", "64", "--image-height-stddev", "3"}, "Image generation is disabled"},
		{[]string{"--image-width-mean", "64", "--image-height-mean", "64", "--endpoint-type", "completions"}, "images are sent with chat"},
		{[]string{"--image-width-mean", "64", "--image-height-mean", "64", "--image-source-sampling", "shuffle-cycle"}, "noise images have no finite pool"},
		{[]string{"--image-width-mean", "100000", "--image-height-mean", "64"}, "--image-width-mean must be 0 to 16384"},
		{[]string{"--image-width-mean", "64", "--image-height-mean", "64", "--image-source", "/no/such"}, "--image-source /no/such"},
		{[]string{"--image-format", "gif"}, "--image-format"},
	} {
		res := runSonde(t, append([]string{"profile", "-m", "m", "--tokenizer", "builtin", "--url", "sim://", "--ui-type", "none",
			"--artifact-dir", t.TempDir()}, c.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d, %s", c.args, res.code, res.stderr)
		}
	}
}

// AIPerf's vision tutorial with its own input file: image URLs the server
// fetches are sent as they are (the simulator charges each as 448×448:
// 256 tokens); a file of images with another endpoint is refused.
func TestVisionInputFile(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	in := filepath.Join(t.TempDir(), "inputs.jsonl")
	os.WriteFile(in, []byte(`{"texts": ["Describe this image in detail."], "images": ["https://picsum.photos/512/512?random=1"]}
{"texts": ["What objects are visible in this image?"], "images": ["https://picsum.photos/512/512?random=2"]}
`), 0o644)
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "--model", "Qwen/Qwen2-VL-2B-Instruct", "--tokenizer", "builtin", "--endpoint-type", "chat",
		"--input-file", in, "--custom-dataset-type", "single_turn", "--streaming", "--url", sim.addr, "--request-count", "4",
		"--osl", "4", "--artifact-dir", dir, "--ui-type", "none", "--extra-inputs", `{"stream_options":{"include_usage":true}}`)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, r := range sim.stop(t) {
		if !strings.Contains(string(r.Body), `{"type":"image_url","image_url":{"url":"https://picsum.photos/512/512?random=`) {
			t.Fatalf("body without its image URL: %.300s", r.Body)
		}
	}
	for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
		if usage, isl := l.Metrics["usage_prompt_tokens"].Value.(float64), l.Metrics["input_sequence_length"].Value.(float64); usage-isl != 256 {
			t.Errorf("usage %v − ISL %v, want 256 for one remote image", usage, isl)
		}
	}
	if res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--endpoint-type", "completions", "--input-file", in,
		"--custom-dataset-type", "single_turn", "--url", "sim://", "--ui-type", "none", "--artifact-dir", t.TempDir()); res.code != exitUsage ||
		!strings.Contains(res.stderr, "has images") {
		t.Errorf("images with completions: exit %d, %s", res.code, res.stderr)
	}
}

// AIPerf's audio tutorial command runs as is: each chat turn carries its
// clips as input_audio parts (WAV files of the drawn length and rate); the
// simulator charges 25 tokens a second of sound; inputs.json names them.
func TestAudioCommand(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	dir := filepath.Join(t.TempDir(), "out")
	res := runSonde(t, "profile", "--model", "Qwen/Qwen2-Audio-7B-Instruct", "--tokenizer", "builtin", "--endpoint-type", "chat",
		"--audio-length-mean", "5.0", "--audio-format", "wav", "--audio-sample-rates", "16", "--streaming", "--url", sim.addr,
		"--request-count", "6", "--concurrency", "4", "--num-dataset-entries", "6", "--osl", "4", "--artifact-dir", dir, "--ui-type", "none",
		"--extra-inputs", `{"stream_options":{"include_usage":true}}`)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, r := range sim.stop(t) {
		var body struct {
			Messages []struct {
				Content []struct {
					Type       string `json:"type"`
					InputAudio struct {
						Data, Format string
					} `json:"input_audio"`
				} `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		part := body.Messages[0].Content[1]
		raw, err := base64.StdEncoding.DecodeString(part.InputAudio.Data)
		if part.Type != "input_audio" || part.InputAudio.Format != "wav" || err != nil || string(raw[:4]) != "RIFF" ||
			len(raw) != 44+5*16000*2 {
			t.Fatalf("the clip: %s %s, %d bytes (%v)", part.Type, part.InputAudio.Format, len(raw), err)
		}
	}
	for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
		usage, isl := l.Metrics["usage_prompt_tokens"].Value.(float64), l.Metrics["input_sequence_length"].Value.(float64)
		if l.Metrics["audio_seconds"].Value != 5.0 || usage-isl != 125 {
			t.Errorf("audio %v s; usage %v − ISL %v, want 125 (25 tokens a second)", l.Metrics["audio_seconds"].Value, usage, isl)
		}
	}
	inputs, _ := os.ReadFile(filepath.Join(dir, "inputs.json"))
	if !strings.Contains(string(inputs), "sonde-audio:wav;5.000s;bytes=160044") {
		t.Errorf("inputs.json should name the clips, not inline them")
	}
}
