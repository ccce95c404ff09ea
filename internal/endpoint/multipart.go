package endpoint

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sonde-bench/sonde/internal/openai"
)

// MultipartBoundary separates the parts of a multipart body. One boundary
// for every request keeps the request headers fixed and bodies
// byte-identical from one run to the next; a body whose file holds it is
// refused (a 2^-128 chance for media bytes).
const MultipartBoundary = "sonde-7f3c9a2e1b4d8c6f0a5e2d9b3c1f7a4e"

// formPart is one part of a multipart request: a field (value, JSON) or a
// file (data: its base64, or in inputs.json a reference to it).
type formPart struct {
	name               string
	value              json.RawMessage
	filename, mimeType string
	data               string
}

// form is the parts of a multipart API's request, as AIPerf builds them:
// the type's own, then --extra-inputs and the turn's fields but for the
// keys the endpoint manages.
func (c *Codec) form(in *Input) ([]formPart, error) {
	var parts []formPart
	var reserved []string
	var last openai.Message
	if n := len(in.History); n > 0 {
		last = in.History[n-1]
	}
	switch c.Type {
	case Transcription:
		if len(last.Audios) == 0 {
			return nil, errors.New("audio_transcription sends each turn's audio: this turn has none")
		}
		a := last.Audios[0]
		format := strings.ToLower(a.Format)
		parts = append(parts, formPart{name: "file", filename: "audio." + format, mimeType: audioMIME(format), data: a.Data},
			formPart{name: "model", value: jsonValue(in.Model)})
		reserved = []string{"file"}
	case ImageEdit:
		if len(last.Images) == 0 {
			return nil, errors.New("image_edit sends each turn's image: this turn has none")
		}
		parts = append(parts, formPart{name: "prompt", value: jsonValue(last.Content)}, formPart{name: "model", value: jsonValue(in.Model)},
			formPart{name: "response_format", value: jsonValue("b64_json")}, formPart{name: "n", value: json.RawMessage("1")},
			imagePart(last.Images[0].URL))
		reserved = []string{"prompt", "image", "url", "mask"}
	case VideoGen:
		parts = append(parts, formPart{name: "prompt", value: jsonValue(last.Content)}, formPart{name: "model", value: jsonValue(in.Model)})
		reserved = []string{"prompt"}
	default:
		// A JSON API sent as a form (--request-content-type
		// multipart/form-data): its top-level fields, extras merged.
		for _, f := range merge(c.fields(in), append(slices.Clone(c.Extra), in.Extra...)) {
			parts = append(parts, formPart{name: f.Key, value: f.Value})
		}
		return parts, nil
	}
	for _, f := range merge(slices.Clone(c.Extra), in.Extra) {
		if !slices.Contains(reserved, f.Key) {
			parts = append(parts, formPart{name: f.Key, value: f.Value})
		}
	}
	return parts, nil
}

// imagePart is an image edit's reference image: an http(s) URL as the
// "url" field (SGLang's), else the "image" file, its type from a data
// URL's header or sonde's reference.
func imagePart(url string) formPart {
	if strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://") {
		return formPart{name: "url", value: jsonValue(url)}
	}
	mime, data := "image/png", url
	if head, b64, ok := strings.Cut(url, ","); ok && strings.HasPrefix(head, "data:") {
		mime, data = strings.TrimSuffix(strings.TrimPrefix(head, "data:"), ";base64"), b64
	} else if rest, ok := strings.CutPrefix(url, "sonde-image:"); ok {
		format, _, _ := strings.Cut(rest, ";")
		mime = "image/" + format
	}
	ext := strings.TrimPrefix(mime, "image/")
	if ext == "jpeg" {
		ext = "jpg"
	}
	return formPart{name: "image", filename: "image." + ext, mimeType: mime, data: data}
}

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

// multipart writes the form: files' bytes decoded from their base64, a
// JSON string field as its text, any other field as its JSON.
func (c *Codec) multipart(dst []byte, in *Input) ([]byte, error) {
	parts, err := c.form(in)
	if err != nil {
		return dst, err
	}
	b := bytes.NewBuffer(dst)
	for _, p := range parts {
		if p.filename == "" {
			fmt.Fprintf(b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n", MultipartBoundary, quoted(p.name))
			var s string
			if json.Unmarshal(p.value, &s) == nil {
				b.WriteString(s)
			} else {
				b.Write(p.value)
			}
			b.WriteString("\r\n")
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(p.data)
		if err != nil {
			return dst, fmt.Errorf("%s: not base64: %w", p.name, err)
		}
		if bytes.Contains(raw, []byte(MultipartBoundary)) {
			return dst, fmt.Errorf("%s: the file holds the multipart boundary", p.name)
		}
		fmt.Fprintf(b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n", MultipartBoundary,
			quoted(p.name), quoted(p.filename), p.mimeType)
		b.Write(raw)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(b, "--%s--\r\n", MultipartBoundary)
	return b.Bytes(), nil
}

// quoted is a form name as a MIME quoted string's content: valid UTF-8
// (each invalid byte U+FFFD, as in its JSON key), backslash and quote
// escaped, and control characters percent-encoded (as browsers encode a
// line break) so a name cannot end or break the part's header.
func quoted(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); {
		r, n := utf8.DecodeRuneInString(name[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "%%%02X", r)
		default:
			b.WriteString(name[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Describe is the body of in as JSON, for inputs.json: Build's, or for a
// multipart API its form as AIPerf writes it (a file as {"b64_data",
// "filename", "content_type"}), the file named by whatever its data holds
// (inputs.json gives a reference, not the bytes).
func (c *Codec) Describe(dst []byte, in *Input) ([]byte, error) {
	if !c.Multipart() {
		return c.Build(dst, in)
	}
	parts, err := c.form(in)
	if err != nil {
		return dst, err
	}
	fields := make([]Field, len(parts))
	for i, p := range parts {
		fields[i] = Field{p.name, p.value}
		if p.filename != "" {
			fields[i].Value = jsonValue(map[string]string{"b64_data": p.data, "filename": p.filename, "content_type": p.mimeType})
		}
	}
	return appendObject(dst, fields), nil
}

// decodeTranscript reads a transcription answer: {"text": …}, with a
// token usage when the server sends one.
func decodeTranscript(data []byte) (p Parsed, ok bool, err error) {
	var obj struct {
		Text  *string         `json:"text"`
		Usage json.RawMessage `json:"usage"`
		Error *errorField     `json:"error"`
	}
	if p, ok, done, err := unmarshalAnswer(data, &obj, &obj.Error); done {
		return p, ok, err
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
