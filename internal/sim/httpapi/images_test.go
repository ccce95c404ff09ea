package httpapi

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/jpeg"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/openai"
)

// An image costs its 28-pixel tiles (at least 4), read from the data URL's
// header; the same image gives the same ids; a remote URL is a nominal
// 448×448; bad data is an error naming the part.
func TestImageTokens(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 100, 30)))
	url := "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
	p := newPromptTokens(nil)
	ids, err := p.imageTokens(openai.Image{URL: url}, nil)
	if err != nil || len(ids) != 4*2 {
		t.Fatalf("%d ids, %v: want ceil(100/28) × ceil(30/28) = 8", len(ids), err)
	}
	again, _ := p.imageTokens(openai.Image{URL: url}, nil)
	if !slices.Equal(ids, again) {
		t.Error("the same image gave other ids")
	}
	if n, _ := imageSize("https://example.com/cat.png"); n != 256 {
		t.Errorf("remote image: %d tokens", n)
	}
	small := new(bytes.Buffer)
	png.Encode(small, image.NewRGBA(image.Rect(0, 0, 1, 1)))
	if n, _ := imageSize("data:image/png;base64," + base64.StdEncoding.EncodeToString(small.Bytes())); n != 4 {
		t.Errorf("a 1×1 image: %d tokens, want the minimum 4", n)
	}
	// A JPEG whose metadata (a 60 KB APP segment) comes before its size.
	var j bytes.Buffer
	jpeg.Encode(&j, image.NewRGBA(image.Rect(0, 0, 56, 56)), nil)
	app := append([]byte{0xFF, 0xE1, 0xEA, 0x62}, make([]byte, 60000)...) // APP1 of 0xEA62 bytes (the length counts itself)
	big := append(append(append([]byte{}, j.Bytes()[:2]...), app...), j.Bytes()[2:]...)
	if n, err := imageSize("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(big)); err != nil || n != 4 {
		t.Errorf("a JPEG with 60 KB of metadata first: %d tokens, %v", n, err)
	}
	for _, bad := range []string{"data:image/png,rawbytes", "data:image/png;base64,@@@@", "data:image/png;base64,aGVsbG8gd29ybGQh"} {
		if _, err := imageSize(bad); err == nil || !strings.Contains(err.Error(), "image_url") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
