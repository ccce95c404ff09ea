package media

import (
	"encoding/base64"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

func decodeData(t *testing.T, url string) []byte {
	t.Helper()
	_, b64, ok := strings.Cut(url, ";base64,")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil {
		t.Fatalf("not a base64 data URL: %.40q", url)
	}
	return raw
}

// Every synthesis type in both containers: the header says the size and
// duration asked for, the same seed gives the same bytes, another seed
// others, and a track of sound is muxed in when asked.
func TestVideosAreValidAndReproducible(t *testing.T) {
	sondetest.NeedFFmpeg(t)
	for _, c := range []struct{ synth, format, codec string }{
		{"moving_shapes", "webm", "libvpx-vp9"},
		{"grid_clock", "mp4", "libx264"},
		{"noise", "webm", "libvpx"},
	} {
		spec := VideoSpec{Width: 64, Height: 48, FPS: 4, Duration: 1, Batch: 2, Synth: c.synth, Format: c.format, Codec: c.codec,
			AudioChans: 1, AudioRateKHz: 16, AudioDepth: 16}
		m, err := NewVideoMaker(spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		m2, _ := NewVideoMaker(spec, 3)
		vids, err := m.RenderVideos(m.Turn(), 2)
		if err != nil {
			t.Fatalf("%s: %v", c.synth, err)
		}
		again, err := m2.RenderVideos(m2.Turn(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if vids[0].Hash != again[0].Hash || vids[0].Hash == vids[1].Hash {
			t.Errorf("%s: the same seed must give the same video, another draw another", c.synth)
		}
		v := vids[0]
		raw := decodeData(t, v.URL)
		info, err := ProbeVideo(raw)
		if err != nil {
			t.Fatalf("%s %s: %v", c.synth, c.format, err)
		}
		if info.Container != c.format || info.Width != 64 || info.Height != 48 || info.Seconds < 0.9 || info.Seconds > 1.2 {
			t.Errorf("%s: header says %+v", c.synth, info)
		}
		if v.Frames != 4 || v.Bytes != len(raw) || !strings.HasPrefix(v.URL, "data:video/"+c.format+";base64,") ||
			!strings.HasPrefix(v.Ref(), "sonde-video:"+c.format+";64x48;frames=4;") {
			t.Errorf("%s: %+v", c.synth, v.Ref())
		}
	}
}

func TestVideoSpecChecks(t *testing.T) {
	good := VideoSpec{Width: 64, Height: 48, FPS: 4, Duration: 1, Batch: 1, Synth: "noise", Format: "webm", Codec: "libvpx-vp9"}
	for flag, mutate := range map[string]func(*VideoSpec){
		"--video-width":              func(s *VideoSpec) { s.Width = 63 },
		"--video-fps":                func(s *VideoSpec) { s.FPS = 0 },
		"--video-duration":           func(s *VideoSpec) { s.Duration = 0 },
		"--video-synth-type":         func(s *VideoSpec) { s.Synth = "plasma" },
		"--video-format":             func(s *VideoSpec) { s.Format = "avi" },
		"--video-codec":              func(s *VideoSpec) { s.Codec = "-vf" },
		"--video-audio-num-channels": func(s *VideoSpec) { s.AudioChans = 3 },
		"--video-audio-sample-rate":  func(s *VideoSpec) { s.AudioChans, s.AudioRateKHz, s.AudioDepth = 1, 200, 16 },
		"--video-audio-depth":        func(s *VideoSpec) { s.AudioChans, s.AudioRateKHz, s.AudioDepth = 1, 16, 12 },
	} {
		s := good
		mutate(&s)
		if _, err := NewVideoMaker(s, 1); err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("%s: %v", flag, err)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := NewVideoMaker(good, 1); err == nil || !strings.Contains(err.Error(), "apt install ffmpeg") {
		t.Errorf("without FFmpeg: %v", err)
	}
	if _, err := NewAudioMaker(AudioSpec{Format: "mp3", Batch: 1, LengthMean: 1}, 1); err == nil || !strings.Contains(err.Error(), "ffmpeg") {
		t.Errorf("mp3 without FFmpeg: %v", err)
	}
}

// MP3 clips: FFmpeg's frames, whose count gives the duration back.
func TestMP3Audio(t *testing.T) {
	sondetest.NeedFFmpeg(t)
	if _, err := NewAudioMaker(AudioSpec{Format: "mp3", SampleRates: []float64{17}}, 1); err == nil || !strings.Contains(err.Error(), "MP3 takes") {
		t.Errorf("a rate MP3 lacks: %v", err)
	}
	m, err := NewAudioMaker(AudioSpec{Format: "mp3", Batch: 1, LengthMean: 2, SampleRates: []float64{16, 44.1}, Channels: 2}, 5)
	if err != nil {
		t.Fatal(err)
	}
	clips, err := RenderAudio(append(m.Turn(), m.Turn()...), 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clips {
		raw, err := base64.StdEncoding.DecodeString(c.Data)
		if err != nil || c.Format != "mp3" || len(raw) != c.Bytes {
			t.Fatalf("%+v", c.Ref())
		}
		secs, err := MP3Seconds(raw)
		if err != nil || secs < 1.9 || secs > 2.2 {
			t.Errorf("MP3 of 2 s reads %.3f s: %v", secs, err)
		}
	}
}

func TestProbeRefusesOtherFiles(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("RIFF....WAVE"), {0x1A, 0x45, 0xDF, 0xA3, 0x80}, []byte("\x00\x00\x00\x10ftypisom\x00\x00\x00\x00")} {
		if _, err := ProbeVideo(b); err == nil {
			t.Errorf("%q probed as a video", b)
		}
	}
	if _, err := MP3Seconds([]byte("ID3\x03\x00\x00\x00\x00\x00\x00nothing")); err == nil {
		t.Error("an empty ID3 tag read as MP3")
	}
}

// A dataset's media given as files, URLs or their bytes in base64.
func TestMediaFromStrings(t *testing.T) {
	sondetest.NeedFFmpeg(t)
	dir := t.TempDir()
	img, _ := NewImage(Noise(rand.New(rand.NewPCG(1, 2)), 32, 32), "png")
	raw := decodeData(t, img.URL)
	b64 := base64.StdEncoding.EncodeToString(raw)
	os.WriteFile(filepath.Join(dir, "a.png"), raw, 0o644)
	for _, ref := range []string{b64, "a.png", filepath.Join(dir, "a.png")} {
		if im, err := ImageFromString(ref, dir); err != nil || im.Hash != img.Hash {
			t.Errorf("image %.20s: %v", ref, err)
		}
	}
	if im, _ := ImageFromString("https://x/y.png", dir); im.URL != "https://x/y.png" || im.Ref() != "https://x/y.png" {
		t.Errorf("a URL: %+v", im)
	}
	m, _ := NewVideoMaker(VideoSpec{Width: 32, Height: 32, FPS: 2, Duration: 1, Batch: 1, Synth: "noise", Format: "mp4", Codec: "libx264"}, 1)
	vids, err := m.RenderVideos(m.Turn(), 1)
	if err != nil {
		t.Fatal(err)
	}
	vraw := decodeData(t, vids[0].URL)
	os.WriteFile(filepath.Join(dir, "v.mp4"), vraw, 0o644)
	for _, ref := range []string{base64.StdEncoding.EncodeToString(vraw), "v.mp4"} {
		v, err := VideoFromString(ref, dir)
		if err != nil || v.Hash != vids[0].Hash || v.Width != 32 || !strings.Contains(v.Ref(), "sonde-video:mp4;32x32;1.000s;") {
			t.Errorf("video %.20s: %+v %v", ref, v.Ref(), err)
		}
	}
	if v, _ := VideoFromString("data:video/mp4;base64,AAAA", dir); !strings.HasPrefix(v.Ref(), "sonde-video:data-url;chars=") {
		t.Errorf("a data URL: %s", v.Ref())
	}
	wav := append(WAVHeader(800, 8000, 1, 16), make([]byte, 1600)...)
	for _, ref := range []string{base64.StdEncoding.EncodeToString(wav), "wav," + base64.StdEncoding.EncodeToString(wav), "data:audio/wav;base64," + base64.StdEncoding.EncodeToString(wav)} {
		if a, err := AudioFromString(ref, dir); err != nil || a.Format != "wav" || a.Seconds != 0.1 {
			t.Errorf("audio %.20s: %+v %v", ref, a, err)
		}
	}
	if _, err := AudioFromString("missing.wav", dir); err == nil {
		t.Error("a missing file read")
	}
}
