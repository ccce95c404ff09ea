package httpapi

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/media"
)

// The images API: valid PNGs of the size asked (capped), n of them, the
// usage; streamed, the partial images before each image; bad requests are
// 400s that say why.
func TestImageGeneration(t *testing.T) {
	addr, _ := serve(t, nil)
	resp, body := post(t, addr+"/v1/images/generations", `{"prompt":"a red fox","model":"m","n":2,"size":"64x48","response_format":"b64_json"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var out struct {
		Data []struct {
			B64 string `json:"b64_json"`
		} `json:"data"`
		Usage struct {
			Input, Output int
		} `json:"usage"`
	}
	json.Unmarshal([]byte(body), &out)
	if len(out.Data) != 2 {
		t.Fatalf("%d images", len(out.Data))
	}
	raw, _ := base64.StdEncoding.DecodeString(out.Data[0].B64)
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
		t.Fatalf("not a 64×48 PNG: %v", err)
	}
	resp, body = post(t, addr+"/v1/images/generations", `{"prompt":"a fox","stream":true,"partial_images":2,"size":"4096x4096"}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var kinds []string
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var ev struct {
				Type  string `json:"type"`
				Size  string `json:"size"`
				Usage any    `json:"usage"`
			}
			json.Unmarshal([]byte(data), &ev)
			kinds = append(kinds, ev.Type)
			if ev.Size != "512x512" || (ev.Type == "image_generation.completed") != (ev.Usage != nil) {
				t.Errorf("event %s: size %s, usage %v", ev.Type, ev.Size, ev.Usage)
			}
		}
	}
	if strings.Join(kinds, ",") != "image_generation.partial_image,image_generation.partial_image,image_generation.completed" {
		t.Errorf("events %v", kinds)
	}
	for body, want := range map[string]string{`{"model":"m"}`: "prompt is required", `{"prompt":"x","n":0}`: "n must be", `{"prompt":"x","partial_images":4}`: "partial_images",
		`{"prompt":"x","size":"big"}`: "size", `{`: "invalid JSON"} {
		resp, got := post(t, addr+"/v1/images/generations", body)
		if resp.StatusCode != 400 || !strings.Contains(got, want) {
			t.Errorf("%s: %d %s", body, resp.StatusCode, got)
		}
	}
}

// An image edit: the reference image's size unless one is asked, n
// images; no image nor url, or no prompt, is a 400.
func TestImageEdit(t *testing.T) {
	addr, _ := serve(t, nil)
	ref, _ := media.Encode(media.Resize(media.Builtin()[1], 80, 40), "png")
	body, ct := form(t, "", nil, "prompt", "bluer", "model", "m", "n", "2")
	withImage := func(fields ...string) (string, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for i := 0; i+1 < len(fields); i += 2 {
			w.WriteField(fields[i], fields[i+1])
		}
		fw, _ := w.CreateFormFile("image", "image.png")
		fw.Write(ref)
		w.Close()
		return b.String(), w.FormDataContentType()
	}
	b, c := withImage("prompt", "bluer", "n", "2")
	resp, got := post(t, addr+"/v1/images/edits", b, "Content-Type", c)
	var out struct {
		Data []struct {
			B64 string `json:"b64_json"`
		} `json:"data"`
	}
	json.Unmarshal([]byte(got), &out)
	if resp.StatusCode != 200 || len(out.Data) != 2 {
		t.Fatalf("%d %.200s", resp.StatusCode, got)
	}
	raw, _ := base64.StdEncoding.DecodeString(out.Data[0].B64)
	if img, err := png.Decode(bytes.NewReader(raw)); err != nil || img.Bounds().Dx() != 80 || img.Bounds().Dy() != 40 {
		t.Errorf("not the reference's 80×40: %v", err)
	}
	noPrompt, npct := withImage("model", "m")
	for _, c := range []struct{ body, ct, want string }{{body, ct, "image (a file) or url"}, {noPrompt, npct, "prompt is required"}, {"{}", "application/json", "multipart"}} {
		resp, got := post(t, addr+"/v1/images/edits", c.body, "Content-Type", c.ct)
		if resp.StatusCode != 400 || !strings.Contains(got, c.want) {
			t.Errorf("%s: %d %s", c.want, resp.StatusCode, got)
		}
	}
}
