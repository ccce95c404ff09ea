package httpapi

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/media"
)

// form is a multipart body with a file part and fields.
func form(t *testing.T, filename string, file []byte, fields ...string) (string, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if filename != "" {
		fw, _ := w.CreateFormFile("file", filename)
		fw.Write(file)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	return b.String(), w.FormDataContentType()
}

// A 2-second WAV clip transcribes to 6 tokens of text, charged as 50
// audio prompt tokens; what is not a WAV file, or not multipart, is a 400.
func TestTranscription(t *testing.T) {
	addr, _ := serve(t, nil)
	wav := append(media.WAVHeader(32000, 16000, 1, 16), make([]byte, 64000)...)
	body, ct := form(t, "audio.wav", wav, "model", "whisper", "language", "en")
	resp, got := post(t, addr+"/v1/audio/transcriptions", body, "Content-Type", ct)
	var out struct {
		Text  string `json:"text"`
		Usage struct {
			Type    string `json:"type"`
			Seconds int    `json:"seconds"`
		} `json:"usage"`
	}
	json.Unmarshal([]byte(got), &out)
	if resp.StatusCode != http.StatusOK || len(strings.Fields(out.Text)) == 0 || out.Usage.Type != "duration" || out.Usage.Seconds != 2 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	mp3, mct := form(t, "audio.mp3", []byte("ID3"), "model", "m")
	noFile, nct := form(t, "", nil, "model", "m")
	for _, c := range []struct{ body, ct, want string }{{mp3, mct, "reads wav"}, {noFile, nct, "file is required"}, {`{"model":"m"}`, "application/json", "multipart"}} {
		resp, got := post(t, addr+"/v1/audio/transcriptions", c.body, "Content-Type", c.ct)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(got, c.want) {
			t.Errorf("%s: %d %s", c.want, resp.StatusCode, got)
		}
	}
}
