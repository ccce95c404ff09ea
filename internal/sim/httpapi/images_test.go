package httpapi

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/media"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sondetest"
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

// An image sent with a uuid is known by it: a later part with the uuid
// alone costs the same and gives the same ids; a uuid never sent is
// refused, as vLLM refuses a cache miss.
func TestImageUUIDs(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 56, 56)))
	url := "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
	p := newPromptTokens(nil)
	if _, err := p.imageTokens(openai.Image{UUID: "cat"}, nil); err == nil || !strings.Contains(err.Error(), `uuid "cat"`) {
		t.Errorf("an unknown uuid: %v", err)
	}
	first, err := p.imageTokens(openai.Image{URL: url, UUID: "cat"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := p.imageTokens(openai.Image{UUID: "cat"}, nil)
	if err != nil || !slices.Equal(first, ref) || len(ref) != 4 {
		t.Errorf("the uuid alone: %v %v, want %v", ref, err, first)
	}
}

// Videos cost their frames sampled at 2 a second, in pairs, each pair an
// image of the video's size; a video the simulator cannot see is 5 s at
// 448×448; bad data is an error naming the part.
func TestVideoTokens(t *testing.T) {
	p := newPromptTokens(nil)
	ids, err := p.videoTokens(openai.Video{URL: "https://example.com/v.mp4"}, nil)
	if err != nil || len(ids) != 5*16*16 {
		t.Errorf("remote video: %d tokens, %v", len(ids), err)
	}
	for _, bad := range []string{"data:video/webm,raw", "data:video/webm;base64,@@", "data:video/webm;base64,aGVsbG8gd29ybGQh"} {
		if _, err := p.videoTokens(openai.Video{URL: bad}, nil); err == nil || !strings.Contains(err.Error(), "video_url") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := p.audioTokens(openai.Audio{Format: "ogg", Data: "AAAA"}, nil); err == nil || !strings.Contains(err.Error(), "wav and mp3") {
		t.Errorf("ogg: %v", err)
	}
	if _, err := p.audioTokens(openai.Audio{Format: "mp3", Data: "AAAA"}, nil); err == nil {
		t.Error("an MP3 clip without frames was read")
	}
}

// A large video's size is read from its first 64 KiB (a WebM's header, a
// fast-start MP4's moov); an MP4 whose moov comes last is read whole:
// both as the full file says.
func TestProbeVideoPrefix(t *testing.T) {
	sondetest.NeedFFmpeg(t)
	m, err := media.NewVideoMaker(media.VideoSpec{Width: 320, Height: 240, FPS: 8, Duration: 2, Batch: 1, Synth: "noise", Format: "webm", Codec: "libvpx-vp9"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	vids, err := m.RenderVideos(m.Turn(), 1)
	if err != nil {
		t.Fatal(err)
	}
	_, b64, _ := strings.Cut(vids[0].URL, ";base64,")
	if len(b64) <= 64<<10 {
		t.Fatalf("the video is %d characters: the prefix is not tested", len(b64))
	}
	if info, err := probeVideo(b64); err != nil || info.Width != 320 || info.Height != 240 || info.Seconds < 1.9 {
		t.Errorf("webm: %+v %v", info, err)
	}
	path := filepath.Join(t.TempDir(), "late.mp4") // moov after mdat: no -movflags +faststart
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "nullsrc=s=160x96:r=8,geq=random(1)*255:128:128", "-t", "2",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	raw, _ := os.ReadFile(path)
	if len(raw) <= 48<<10 {
		t.Fatalf("the MP4 is %d bytes: its read-whole fallback is not tested", len(raw))
	}
	if info, err := probeVideo(base64.StdEncoding.EncodeToString(raw)); err != nil || info.Width != 160 || info.Seconds < 1.9 {
		t.Errorf("mp4 with its moov last (%d bytes): %+v %v", len(raw), info, err)
	}
}
