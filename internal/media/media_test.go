package media

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Images decode as what they say they are, at sizes drawn around the mean,
// and the same seed gives the same bytes.
func TestImagesAreReproducibleAndValid(t *testing.T) {
	spec := ImageSpec{WidthMean: 64, WidthStddev: 8, HeightMean: 32, Batch: 3, Format: "random", Source: "noise"}
	a, err := NewMaker(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewMaker(spec, 7)
	formats := map[string]bool{}
	for range 4 {
		x, err := Render(a.Turn(), 3)
		if err != nil {
			t.Fatal(err)
		}
		y, _ := Render(b.Turn(), 1)
		if len(x) != 3 {
			t.Fatalf("%d images, want 3", len(x))
		}
		for i := range x {
			if x[i].URL != y[i].URL {
				t.Fatal("the same seed gave other bytes")
			}
			url := x[i].URL
			raw, err := base64.StdEncoding.DecodeString(url[strings.Index(url, ",")+1:])
			if err != nil || len(raw) != x[i].Bytes || len(x[i].Hash) != 16 {
				t.Fatalf("data URL or size of image %d", i)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
			if err != nil || format != x[i].Format || cfg.Width != x[i].Width || cfg.Height != x[i].Height || x[i].Height != 32 ||
				!strings.HasPrefix(url, "data:image/"+format+";base64,") {
				t.Fatalf("image %d: %v %s %dx%d, made as %s %dx%d", i, err, format, cfg.Width, cfg.Height, x[i].Format, x[i].Width, x[i].Height)
			}
			if ref := x[i].Ref(); !strings.Contains(ref, x[i].Hash) || strings.Contains(ref, "base64") {
				t.Errorf("ref %s", ref)
			}
			formats[format] = true
		}
	}
	if !formats["png"] || !formats["jpeg"] {
		t.Errorf("random format gave %v", formats)
	}
}

// Built-in and folder sources, resized; sequential cycling walks them in
// order; bad sources and samplings are errors naming the flag.
func TestSources(t *testing.T) {
	dir := t.TempDir()
	for i, img := range Builtin()[:2] {
		f, _ := os.Create(filepath.Join(dir, string(rune('a'+i))+".png"))
		png.Encode(f, img)
		f.Close()
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	m, err := NewMaker(ImageSpec{WidthMean: 16, HeightMean: 16, Batch: 4, Format: "png", Source: dir, Sampling: "sequential-cycle"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := Render(m.Turn(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if imgs[0].URL != imgs[2].URL || imgs[0].URL == imgs[1].URL {
		t.Error("sequential-cycle over two sources should alternate")
	}
	for _, s := range []string{"shuffle-cycle", "random-with-replacement"} {
		m, _ := NewMaker(ImageSpec{WidthMean: 8, HeightMean: 8, Batch: 5, Source: "assets", Sampling: s}, 2)
		if _, err := Render(m.Turn(), 2); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []ImageSpec{{Source: "/no/such/dir"}, {Source: "noise", Sampling: "shuffle-cycle"}, {Source: "assets", Sampling: "sideways"},
		{Source: t.TempDir()}} {
		if _, err := NewMaker(bad, 1); err == nil || !strings.Contains(err.Error(), "--image-source") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if _, err := Encode(Builtin()[0], "gif"); err == nil {
		t.Error("gif encoded")
	}
	if (&ImageSpec{Batch: 1, WidthMean: 1}).Enabled() || !(&ImageSpec{Batch: 1, WidthMean: 1, HeightMean: 1}).Enabled() {
		t.Error("Enabled")
	}
}

// A file of the user's is read as it is (no re-encoding); a remote URL is
// named by itself; anything not PNG or JPEG is refused.
func TestFilesAndRemotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.png")
	f, _ := os.Create(path)
	png.Encode(f, Builtin()[3])
	f.Close()
	im, err := FromFile(path)
	if err != nil || im.Width != 256 || im.Format != "png" || !strings.Contains(im.Ref(), "sonde-image:png;256x256") {
		t.Fatalf("%+v %v", im.Ref(), err)
	}
	if _, err := FromFile(filepath.Join(t.TempDir(), "none.png")); err == nil {
		t.Error("a missing file read")
	}
	if _, err := FromBytes([]byte("GIF89a")); err == nil {
		t.Error("a GIF taken")
	}
	if r := Remote("https://h/x.jpg"); r.Ref() != "https://h/x.jpg" || Remote("data:image/png;base64,AAAA").Ref() != "sonde-image:data-url;chars=26" {
		t.Errorf("remote refs: %q", r.Ref())
	}
}

// Clips are WAV files of the drawn length, rate, depth and channels, the
// same for the same seed; bad specs are errors naming the flag.
func TestAudio(t *testing.T) {
	spec := AudioSpec{LengthMean: 0.5, Batch: 2, Format: "wav", Depths: []int{8, 24, 32}, SampleRates: []float64{8, 44.1}, Channels: 2}
	a, err := NewAudioMaker(spec, 4)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewAudioMaker(spec, 4)
	for range 6 {
		x, err := RenderAudio(a.Turn(), 2)
		if err != nil {
			t.Fatal(err)
		}
		y, _ := RenderAudio(b.Turn(), 1)
		for i := range x {
			raw, _ := base64.StdEncoding.DecodeString(x[i].Data)
			secs, err := WAVSeconds(raw)
			if x[i].Data != y[i].Data || err != nil || secs < 0.49 || secs > 0.51 || len(raw) != x[i].Bytes || !strings.Contains(x[i].Ref(), "sonde-audio:wav;0.5") {
				t.Fatalf("clip %d: %v s, %v; ref %s", i, secs, err, x[i].Ref())
			}
		}
	}
	for _, bad := range []AudioSpec{{Format: "ogg"}, {Depths: []int{12}}, {SampleRates: []float64{0.5}}, {Channels: 3}} {
		if _, err := NewAudioMaker(bad, 1); err == nil || !strings.Contains(err.Error(), "--audio-") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	for _, bad := range [][]byte{[]byte("RIFX"), append(WAVHeader(0, 0, 1, 16)[:12], "data\x00\x00\x00\x00"...), WAVHeader(10, 8000, 1, 16)[:36]} {
		if _, err := WAVSeconds(bad); err == nil {
			t.Errorf("%q read as WAV", bad)
		}
	}
	if (&AudioSpec{Batch: 1}).Enabled() || !(&AudioSpec{Batch: 1, LengthMean: 1}).Enabled() {
		t.Error("Enabled")
	}
}
