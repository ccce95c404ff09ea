package httpapi

import (
	"encoding/base64"
	"fmt"
	"math"
	"path"
	"strings"

	"github.com/sonde-bench/sonde/internal/media"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
)

// transcriptTokensPerSecond is how much text a second of speech makes:
// about 150 words a minute, 3 tokens a second.
const transcriptTokensPerSecond = 3

// decodeTranscription reads an audio transcription's multipart body (its
// boundary is on its first line): the "file" part (a WAV clip), "model",
// and the form fields it ignores. The clip goes to the engine as an audio
// prompt (its tokens: audioTokens); the transcript runs 3 tokens a second.
func decodeTranscription(body []byte) (req openai.Request, err error) {
	fields, files, err := readForm(body)
	if err != nil {
		return req, err
	}
	req.Model = fields["model"]
	clip, format := files["file"].data, strings.TrimPrefix(path.Ext(files["file"].name), ".")
	if len(clip) == 0 {
		return req, fmt.Errorf("file is required (the audio to transcribe)")
	}
	if format != "wav" {
		return req, fmt.Errorf("file %q: the simulator reads wav", "audio."+format)
	}
	seconds, err := media.WAVSeconds(clip[:min(len(clip), 1024)])
	if err != nil {
		return req, fmt.Errorf("file: %v", err)
	}
	n := max(1, int(math.Round(seconds*transcriptTokensPerSecond)))
	req.MaxTokens, req.IgnoreEOS = &n, true
	req.Messages = []openai.Message{{Role: "user", Audios: []openai.Audio{{Data: base64.StdEncoding.EncodeToString(clip), Format: format}}}}
	return req, nil
}

// transcriptDialect answers {"text": …, "usage": {"type": "duration",
// "seconds": …}} as OpenAI's and vLLM's transcription APIs do; it is not
// streamed.
type transcriptDialect struct{}

func (transcriptDialect) open(dst []byte, _ *responder, _ sim.Stream, _ int) []byte { return dst }
func (transcriptDialect) token(dst []byte, _ sim.Token, _ bool) []byte              { return dst }
func (transcriptDialect) close(dst []byte, _ *responder, _ *openai.Usage, _ string) []byte {
	return dst
}

func (transcriptDialect) body(_ *responder, content, reasoning string, u *openai.Usage, _ string) any {
	return map[string]any{"text": strings.TrimSpace(reasoning + content),
		"usage": map[string]any{"type": "duration", "seconds": max(1, u.CompletionTokens/transcriptTokensPerSecond)}}
}
