package endpoint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/openai"
)

// readParts reads a multipart body: its parts' names in order, their
// contents, and each file's name and content type.
func readParts(t *testing.T, body []byte) (names []string, got, files map[string]string) {
	t.Helper()
	got, files = map[string]string{}, map[string]string{}
	mr := multipart.NewReader(bytes.NewReader(body), MultipartBoundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return names, got, files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		names, got[p.FormName()] = append(names, p.FormName()), string(b)
		if p.FileName() != "" {
			files[p.FormName()] = p.FileName() + " " + p.Header.Get("Content-Type")
		}
	}
}

// An audio transcription body is a multipart form as AIPerf sends it: the
// turn's first clip as "file", the model, the extras as fields.
func TestTranscriptionBody(t *testing.T) {
	clip := []byte("RIFF\x24\x00\x00\x00WAVEfmt some pcm \x00\x01\x02")
	extra, _ := ParseExtraInputs([]string{"language:en", "temperature:0", "file:ignored"})
	c := &Codec{Type: Transcription, Extra: extra}
	in := &Input{Model: "whisper", History: []openai.Message{{Role: "user", Content: "not sent",
		Audios: []openai.Audio{{Data: base64.StdEncoding.EncodeToString(clip), Format: "WAV"}}}}, Extra: []Field{{"response_format", json.RawMessage(`"json"`)}}}
	body, err := c.Build(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte("not sent")) {
		t.Error("the turn's text was sent")
	}
	_, got, files := readParts(t, body)
	if files["file"] != "audio.wav audio/wav" {
		t.Errorf("file part: %s", files["file"])
	}
	want := map[string]string{"file": string(clip), "model": "whisper", "language": "en", "temperature": "0", "response_format": "json"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) || c.Extra[2].Key != "file" {
		t.Errorf("parts %v; the codec's extras changed: %v", got, c.Extra)
	}
	desc, err := c.Describe(nil, in)
	if err != nil || !json.Valid(desc) || !strings.Contains(string(desc), `"filename":"audio.wav"`) || !strings.Contains(string(desc), `"language":"en"`) {
		t.Errorf("Describe: %s %v", desc, err)
	}
	if _, err := c.Build(nil, &Input{Model: "m", History: []openai.Message{{Role: "user", Content: "x"}}}); err == nil {
		t.Error("a turn without audio was built")
	}
	for body, want := range map[string]string{`{"text":" hello there"}`: " hello there", `{"text":"ok","usage":{"type":"duration","seconds":3}}`: "ok"} {
		p, ok, err := c.NewDecoder().Decode([]byte(body))
		if err != nil || !ok || p.Content != want || p.Usage != nil {
			t.Errorf("%s: %+v", body, p)
		}
	}
	p, _, _ := c.NewDecoder().Decode([]byte(`{"text":"a","usage":{"prompt_tokens":100,"completion_tokens":2}}`))
	if p.Usage == nil || p.Usage.PromptTokens != 100 || p.Usage.CompletionTokens != 2 {
		t.Errorf("token usage: %+v", p.Usage)
	}
	if p, _, _ := c.NewDecoder().Decode([]byte(`{"error":{"message":"bad audio"}}`)); p.Err != "bad audio" {
		t.Errorf("error: %+v", p)
	}
	if audioMIME("mp3") != "audio/mpeg" || audioMIME("m4a") != "audio/mp4" || audioMIME("flac") != "audio/flac" {
		t.Error("MIME types")
	}
}

// An image edit is a multipart form as AIPerf sends it: the prompt, the
// model, b64_json, n, the reference image as a file (or an http URL as
// SGLang's url field), the extras but for the endpoint's own keys.
func TestImageEditBody(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nfake pixels")
	extra, _ := ParseExtraInputs([]string{"size:64x64", "mask:nope", "prompt:nope"})
	c := &Codec{Type: ImageEdit, Extra: extra}
	msg := openai.Message{Role: "user", Content: "make it blue", Images: []openai.Image{{URL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}}}
	body, err := c.Build(nil, &Input{Model: "flux", History: []openai.Message{msg}})
	if err != nil {
		t.Fatal(err)
	}
	names, got, files := readParts(t, body)
	if files["image"] != "image.png image/png" {
		t.Errorf("image part: %s", files["image"])
	}
	if strings.Join(names, ",") != "prompt,model,response_format,n,image,size" || got["prompt"] != "make it blue" || got["image"] != string(png) ||
		got["response_format"] != "b64_json" || got["n"] != "1" || got["size"] != "64x64" {
		t.Errorf("parts %v: %v", names, got)
	}
	msg.Images[0].URL = "https://example.com/cat.jpg"
	body, _ = c.Build(nil, &Input{Model: "flux", History: []openai.Message{msg}})
	if !bytes.Contains(body, []byte("name=\"url\"\r\n\r\nhttps://example.com/cat.jpg\r\n")) {
		t.Errorf("url: %s", body)
	}
	msg.Images[0].URL = "sonde-image:jpeg;64x64;bytes=10;sha256=ab"
	if desc, _ := c.Describe(nil, &Input{Model: "flux", History: []openai.Message{msg}}); !strings.Contains(string(desc), `"filename":"image.jpg"`) ||
		!strings.Contains(string(desc), `"content_type":"image/jpeg"`) {
		t.Errorf("Describe: %s", desc)
	}
	if _, err := c.Build(nil, &Input{History: []openai.Message{{Role: "user", Content: "x"}}}); err == nil {
		t.Error("a turn without an image was built")
	}
}

// A video job is submitted as a multipart form (prompt, model, extras) and
// read as a job object: its id and state.
func TestVideoJob(t *testing.T) {
	extra, _ := ParseExtraInputs([]string{"seconds:4", "prompt:ignored"})
	c := &Codec{Type: VideoGen, Extra: extra}
	body, err := c.Build(nil, &Input{Model: "wan", History: []openai.Message{{Role: "user", Content: "a cat surfing"}}})
	if err != nil || !bytes.Contains(body, []byte("name=\"prompt\"\r\n\r\na cat surfing\r\n")) || !bytes.Contains(body, []byte("name=\"seconds\"\r\n\r\n4\r\n")) ||
		bytes.Contains(body, []byte("ignored")) {
		t.Fatalf("%s %v", body, err)
	}
	d := c.NewDecoder()
	p, ok, err := d.Decode([]byte(`{"id":"video_1","object":"video","status":"queued","progress":0}`))
	if err != nil || !ok || p.ID != "video_1" || p.Job == nil || p.Job.Done() {
		t.Fatalf("%+v", p)
	}
	p, _, _ = d.Decode([]byte(`{"id":"video_1","status":"completed","progress":100,"inference_time_s":12.5,"peak_memory_mb":40000}`))
	if !p.Job.Done() || p.Job.InferenceS != 12.5 || p.Job.PeakMB != 40000 {
		t.Fatalf("%+v", p.Job)
	}
	if p, _, _ := d.Decode([]byte(`{"object":"list"}`)); p.Job != nil {
		t.Error("a job without id or status")
	}
	if p, _, _ := d.Decode([]byte(`{"error":{"message":"quota"}}`)); p.Err != "quota" {
		t.Errorf("%+v", p)
	}
}

// --request-content-type: a JSON API's top-level fields as a form (strings
// as text, the rest as JSON), and video_generation's job as JSON.
func TestContentTypeOverride(t *testing.T) {
	in := &Input{Model: "m", History: []openai.Message{{Role: "user", Content: "hello"}}, Extra: []Field{{"dimensions", json.RawMessage("8")}}}
	c := &Codec{Type: Embeddings, ContentType: "multipart/form-data", Extra: []Field{{"user", json.RawMessage(`"u1"`)}}}
	body, err := c.Build(nil, in)
	if err != nil || !c.Multipart() {
		t.Fatal(err)
	}
	names, got, _ := readParts(t, body)
	if strings.Join(names, ",") != "input,model,user,dimensions" || got["input"] != `["hello"]` || got["model"] != "m" || got["dimensions"] != "8" {
		t.Errorf("%v %v", names, got)
	}
	v := &Codec{Type: VideoGen, ContentType: "application/json"}
	body, err = v.Build(nil, in)
	if err != nil || v.Multipart() || string(body) != `{"prompt":"hello","model":"m","dimensions":8}` {
		t.Errorf("%s %v", body, err)
	}
	if !FormEncoded(VideoGen, "") || FormEncoded(Chat, "") || !FormEncoded(Chat, "multipart/form-data") {
		t.Error("FormEncoded")
	}
}

// A chat part carries its image's uuid when it has one; an empty URL with
// a uuid refers to an image sent before; videos follow as video_url parts.
func TestMediaParts(t *testing.T) {
	m := openai.Message{Role: "user", Content: "see", Images: []openai.Image{{URL: "data:image/png;base64,AA", UUID: "a"}, {UUID: "b"}},
		Videos: []openai.Video{{URL: "data:video/webm;base64,BB"}}}
	got := string(appendMessage(nil, m))
	want := `{"role":"user","content":[{"type":"text","text":"see"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA"},"uuid":"a"},` +
		`{"type":"image_url","image_url":{"url":""},"uuid":"b"},{"type":"video_url","video_url":{"url":"data:video/webm;base64,BB"}}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var back openai.Message
	if err := json.Unmarshal([]byte(got), &back); err != nil || len(back.Images) != 2 || back.Images[1].UUID != "b" || len(back.Videos) != 1 {
		t.Errorf("read back: %+v %v", back, err)
	}
}

// FuzzMultipart: whatever the text, model, extras and file bytes, a form
// body reads back with mime/multipart as the same fields and the same
// file, or is refused when the file holds the boundary; a JSON API sent
// as a form reads back its fields as they are in its JSON body.
func FuzzMultipart(f *testing.F) {
	f.Add("hello", "m", `{"language":"en"}`, []byte("RIFF....WAVE"))
	f.Add("\x00\r\n--x\r\n", "", `{"n":2,"s":"a\r\nb"}`, []byte("--"+MultipartBoundary+"--"))
	f.Fuzz(func(t *testing.T, text, model, extra string, file []byte) {
		fields, err := ParseExtraInputs([]string{extra})
		if err != nil {
			fields = nil
		}
		in := &Input{Model: model, History: []openai.Message{{Role: "user", Content: text,
			Audios: []openai.Audio{{Data: base64.StdEncoding.EncodeToString(file), Format: "wav"}}}}}
		c := &Codec{Type: Transcription, Extra: fields}
		body, err := c.Build(nil, in)
		if bytes.Contains(file, []byte(MultipartBoundary)) {
			if err == nil {
				t.Fatal("a file holding the boundary was sent")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		_, got, _ := readParts(t, body)
		var wantModel string // as JSON carries it: invalid UTF-8 bytes become U+FFFD
		json.Unmarshal(jsonValue(model), &wantModel)
		if got["file"] != string(file) || got["model"] != wantModel {
			t.Fatalf("file %q model %q, want %q %q", got["file"], got["model"], file, wantModel)
		}
		form := &Codec{Type: Embeddings, ContentType: "multipart/form-data", Extra: fields}
		body, err = form.Build(nil, in)
		if strings.Contains(text+model+extra, MultipartBoundary) {
			return // a field holding the boundary: not checked here
		}
		if err != nil {
			t.Fatal(err)
		}
		names, got, _ := readParts(t, body)
		if strings.IndexFunc(extra, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return // a name with a control character, percent-encoded: read, not compared
		}
		jsonBody, _ := (&Codec{Type: Embeddings, Extra: fields}).Build(nil, in)
		var want map[string]json.RawMessage
		if err := json.Unmarshal(jsonBody, &want); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			var s string
			if json.Unmarshal(want[n], &s) == nil {
				if got[n] != s {
					t.Fatalf("%s: %q, want %q", n, got[n], s)
				}
			} else if got[n] != string(want[n]) {
				t.Fatalf("%s: %q, want %s", n, got[n], want[n])
			}
		}
	})
}
