package httpapi

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"strings"
	"testing"
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
