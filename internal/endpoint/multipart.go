package endpoint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MultipartBoundary separates the parts of a multipart body. One boundary
// for every request keeps the request headers fixed and bodies
// byte-identical from one run to the next; a body whose file holds it is
// refused (a 2^-128 chance for audio).
const MultipartBoundary = "sonde-7f3c9a2e1b4d8c6f0a5e2d9b3c1f7a4e"

// audioMIME is an audio file's content type (AIPerf's).
func audioMIME(format string) string {
	switch format {
	case "mp3":
		return "audio/mpeg"
	case "m4a", "mp4":
		return "audio/mp4"
	}
	return "audio/" + format // wav, flac, ogg, webm and the rest
}

// multipart builds an audio transcription request as AIPerf sends it: the
// newest turn's first clip as the "file" part (audio.<format>), the model,
// then --extra-inputs and the turn's own fields as form fields (a JSON
// string as its text, anything else as its JSON).
func (c *Codec) multipart(dst []byte, in *Input) ([]byte, error) {
	var clip []byte
	var format string
	if n := len(in.History); n > 0 && len(in.History[n-1].Audios) > 0 {
		a := in.History[n-1].Audios[0]
		var err error
		if clip, err = base64.StdEncoding.DecodeString(a.Data); err != nil {
			return dst, fmt.Errorf("audio: not base64: %w", err)
		}
		format = strings.ToLower(a.Format)
	}
	if len(clip) == 0 {
		return dst, errors.New("audio_transcription sends each turn's audio: this turn has none")
	}
	if bytes.Contains(clip, []byte(MultipartBoundary)) {
		return dst, errors.New("audio: the clip holds the multipart boundary")
	}
	mime := audioMIME(format)
	b := bytes.NewBuffer(dst)
	part := func(name string) {
		fmt.Fprintf(b, "--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n", MultipartBoundary, name)
	}
	fmt.Fprintf(b, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.%s\"\r\nContent-Type: %s\r\n\r\n", MultipartBoundary, format, mime)
	b.Write(clip)
	b.WriteString("\r\n")
	part("model")
	b.WriteString(in.Model + "\r\n")
	for _, f := range merge(slices.Clone(c.Extra), in.Extra) {
		if f.Key == "file" {
			continue // the endpoint's own, as AIPerf keeps it
		}
		part(f.Key)
		var s string
		if json.Unmarshal(f.Value, &s) == nil {
			b.WriteString(s)
		} else {
			b.Write(f.Value)
		}
		b.WriteString("\r\n")
	}
	fmt.Fprintf(b, "--%s--\r\n", MultipartBoundary)
	return b.Bytes(), nil
}

// decodeTranscript reads a transcription answer: {"text": …}, with a
// token usage when the server sends one.
func decodeTranscript(data []byte) (p Parsed, ok bool, err error) {
	var obj struct {
		Text  *string         `json:"text"`
		Usage json.RawMessage `json:"usage"`
		Error *errorField     `json:"error"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return invalid(err)
	}
	if obj.Error != nil && obj.Error.msg != "" {
		p.Err = obj.Error.msg
		return p, true, nil
	}
	if obj.Text != nil {
		p.Content = *obj.Text
	}
	var u struct {
		Prompt     *int `json:"prompt_tokens"`
		Completion *int `json:"completion_tokens"`
	}
	if json.Unmarshal(obj.Usage, &u) == nil && u.Prompt != nil && u.Completion != nil { // not Whisper's {"type": "duration"}
		p.Usage = usage(*u.Prompt, 0, *u.Completion)
	}
	return p, true, nil
}

// Describe is the body of in as JSON, for inputs.json: Build's, or for a
// multipart API its form as AIPerf writes it ({"file": {"b64_data",
// "filename", "content_type"}, "model", the extras}), the clip named by
// whatever its data holds (inputs.json gives a reference, not the bytes).
func (c *Codec) Describe(dst []byte, in *Input) ([]byte, error) {
	if !c.Type.Multipart() {
		return c.Build(dst, in)
	}
	file := map[string]string{}
	if n := len(in.History); n > 0 && len(in.History[n-1].Audios) > 0 {
		a := in.History[n-1].Audios[0]
		format := strings.ToLower(a.Format)
		file = map[string]string{"b64_data": a.Data, "filename": "audio." + format, "content_type": audioMIME(format)}
	}
	fields := []Field{{"file", jsonValue(file)}, {"model", jsonValue(in.Model)}}
	for _, f := range merge(slices.Clone(c.Extra), in.Extra) {
		if f.Key != "file" {
			fields = append(fields, f)
		}
	}
	return appendObject(dst, fields), nil
}
