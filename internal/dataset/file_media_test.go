package dataset

import (
	"encoding/base64"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/media"
)

// Audio and video in a file: WAV files and AIPerf's "wav,<base64>"
// strings read into clips; video URLs sent as they are; lines of one
// session_id are the turns of one conversation; --uuid-and-strip empties
// an image the session sent before, and only that.
func TestFileMediaAndSessions(t *testing.T) {
	dir := t.TempDir()
	wav := append(media.WAVHeader(800, 8000, 1, 16), make([]byte, 1600)...)
	os.WriteFile(filepath.Join(dir, "a.wav"), wav, 0o644)
	f, _ := os.Create(filepath.Join(dir, "cat.png"))
	png.Encode(f, image.NewRGBA(image.Rect(0, 0, 4, 4)))
	f.Close()
	path := filepath.Join(dir, "st.jsonl")
	os.WriteFile(path, []byte(strings.Join([]string{
		`{"session_id": "s", "text": "one", "image": "cat.png", "image_uuids": ["c"], "audio": "a.wav", "video": "https://example.com/v.mp4"}`,
		`{"text": "alone", "images": ["cat.png"], "image_uuids": ["c"]}`,
		`{"session_id": "s", "text": "two", "images": ["cat.png", "cat.png", ""], "image_uuids": ["c", "d", "c"], "audios": ["wav,` + base64.StdEncoding.EncodeToString(wav) + `"]}`,
	}, "\n")+"\n"), 0o644)
	o := FileOptions{Path: path, Type: "single_turn", Tok: builtin(t), UUIDAndStrip: true}
	convs, err := LoadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || len(convs[0].Turns) != 2 || convs[0].ID != "s" {
		t.Fatalf("%d conversations: %+v", len(convs), convs)
	}
	t0, t1 := convs[0].Turns[0], convs[0].Turns[1]
	if len(t0.Audios) != 1 || t0.Audios[0].Seconds != 0.1 || t0.Audios[0].Format != "wav" || len(t0.Videos) != 1 || t0.Videos[0].URL != "https://example.com/v.mp4" {
		t.Errorf("first turn's media: %+v %+v", t0.Audios, t0.Videos)
	}
	if t0.Images[0].URL == "" || t1.Images[0].URL != "" || t1.Images[0].UUID != "c" || t1.Images[1].URL == "" || t1.Images[2].URL != "" || len(t1.Audios) != 1 {
		t.Errorf("the session's second turn: %+v", t1.Images)
	}
	if convs[1].Turns[0].Images[0].URL == "" {
		t.Error("a line of no session was stripped")
	}
	o.UUIDAndStrip = false
	convs, _ = LoadFile(o)
	if convs[0].Turns[1].Images[0].URL == "" || convs[0].Turns[1].Images[0].UUID != "c" {
		t.Error("without --uuid-and-strip, images keep their content and their uuids")
	}
	for line, want := range map[string]string{
		`{"text": "x", "images": ["cat.png"], "image_uuids": ["a", "b"]}`: `field "image_uuids": 2 uuids for 1 images`,
		`{"text": "x", "image": ""}`:                                      "needs its uuid",
		`{"text": "x", "audio": "https://example.com/a.wav"}`:             "not a URL",
		`{"text": "x", "audio": "wav,@@"}`:                                "not base64",
		`{"text": "x", "audio": "cat.png"}`:                               "not a WAV or MP3 file",
		`{"text": "x", "video": "cat.png"}`:                               "not a WebM or MP4 file",
		`{"text": "x", "videos": 3}`:                                      `field "videos"`,
	} {
		os.WriteFile(path, []byte(line+"\n"), 0o644)
		if _, err := LoadFile(o); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "st.jsonl:1") {
			t.Errorf("%s: %v, want %q", line, err, want)
		}
	}
	os.WriteFile(path, []byte(`{"turns": [{"text": "x"}]}`+"\n"), 0o644)
	if _, err := LoadFile(FileOptions{Path: path, Type: "multi_turn", Tok: builtin(t), UUIDAndStrip: true}); err == nil || !strings.Contains(err.Error(), "--uuid-and-strip") {
		t.Errorf("multi_turn with --uuid-and-strip: %v", err)
	}
}
