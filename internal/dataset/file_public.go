package dataset

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sonde-bench/sonde/internal/media"
)

// LoadPublic reads a public dataset, downloaded to o.Path (a file or a
// folder of its files), into conversations as its kind says; rows failing
// a --dataset-filter (column=value) are skipped, and a row without what
// its kind needs (an empty prompt) is skipped too, as AIPerf's loaders do.
func LoadPublic(o FileOptions, d Public, filter map[string]string) ([]Conversation, error) {
	if d.Unsupported != "" {
		return nil, fmt.Errorf("--public-dataset %s: not yet: %s", d.Name, d.Unsupported)
	}
	var convs []Conversation
	var traces []placedTrace
	err := eachRow(o.Path, filter, func(r row) error {
		if d.Kind == KindWeka {
			var tr wekaTrace
			data, _ := json.Marshal(r.cols) // a row's columns are the trace's fields
			if err := json.Unmarshal(data, &tr); err != nil {
				return fmt.Errorf("%s: not a Weka trace: %v", r.at, err)
			}
			traces = append(traces, placedTrace{tr, r.at})
			return nil
		}
		var c Conversation
		var ok bool
		var err error
		if d.Kind == KindExgentic {
			c, ok, err = exgenticSession(r, o) // its own session ids
		} else if c, ok, err = publicRow(o, d, r); ok {
			c.ID = fmt.Sprintf("%s-%d", d.Name, len(convs))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", r.at, err)
		}
		if ok {
			convs = append(convs, c)
		}
		return nil
	})
	if err == nil && d.Kind == KindWeka {
		o.Type = "weka_trace" // its defaults: the coding corpus
		convs, err = buildWeka(o, traces)
	}
	if err != nil {
		return nil, fmt.Errorf("--public-dataset %s: %w", d.Name, err)
	}
	if len(convs) == 0 {
		return nil, fmt.Errorf("--public-dataset %s: no usable row in %s (after --dataset-filter)", d.Name, o.Path)
	}
	assignModels(Flatten(convs), o.Models, o.modelRand())
	return convs, nil
}

// publicRow is one row's conversation; ok false skips the row.
func publicRow(o FileOptions, d Public, r row) (Conversation, bool, error) {
	var turns []Turn
	var err error
	switch d.Kind {
	case KindInstruction, KindMMVU, KindConversation, KindASR:
		var t Turn
		var ok bool
		if t, ok, err = oneTurn(d, r, filepath.Dir(o.Path)); !ok || err != nil {
			return Conversation{}, false, err
		}
		turns = []Turn{t}
	case KindMTBench, KindSpecBench:
		col := d.Prompt
		if d.Kind == KindSpecBench {
			col = "turns"
		}
		for _, p := range textsOf(r.cols[col]) {
			if strings.TrimSpace(p) != "" {
				turns = append(turns, Turn{Text: p})
			}
		}
		if d.Kind == KindSpecBench && len(turns) > 1 {
			turns = turns[:1] // AIPerf sends each question's first turn
		}
	default:
		return Conversation{}, false, fmt.Errorf("no reader for the kind %q", d.Kind)
	}
	if len(turns) == 0 {
		return Conversation{}, false, nil
	}
	for k := range turns {
		turns[k].Tokens = len(o.Tok.Encode(turns[k].Text))
		if o.MaxTokens != nil {
			turns[k].MaxTokens = o.MaxTokens()
		}
	}
	return Conversation{Turns: turns}, true, nil
}

// oneTurn is a single-turn row: its prompt and its medium.
func oneTurn(d Public, r row, dir string) (Turn, bool, error) {
	var t Turn
	switch d.Kind {
	case KindConversation:
		t.Text = firstUserMessage(r.cols[d.Conversation], d.ContentKey)
	case KindMMVU:
		t.Text = mmvuPrompt(r.cols)
	case KindASR:
		t.Text = "" // the clip is the request
	default:
		t.Text = templated(d, r.cols)
	}
	if d.Kind != KindASR && strings.TrimSpace(t.Text) == "" {
		return t, false, nil
	}
	var err error
	switch {
	case d.Image != "" && r.cols[d.Image] != nil:
		var im media.Image
		if im, err = imageOf(r.cols[d.Image], dir); err == nil {
			t.Images = []media.Image{im}
		}
	case d.Video != "" && r.cols[d.Video] != nil:
		var v media.Video
		if v, err = media.VideoFromString(fmt.Sprint(first(r.cols[d.Video])), dir); err == nil {
			t.Videos = []media.Video{v}
		}
	case d.Audio != "":
		var a media.Audio
		if a, err = audioOf(r.cols[d.Audio]); err == nil {
			t.Audios = []media.Audio{a}
		}
	}
	if err != nil {
		return t, false, fmt.Errorf("column %q: %w", d.Image+d.Video+d.Audio, err)
	}
	return t, true, nil
}

// templated is the prompt column's value, or the template with each
// {column} replaced by the row's.
func templated(d Public, cols map[string]any) string {
	if d.Template == "" {
		return str(cols[d.Prompt])
	}
	s := d.Template
	for k, v := range cols {
		s = strings.ReplaceAll(s, "{"+k+"}", str(v))
	}
	return s
}

// firstUserMessage is the content of a conversation's first message from
// the user (role or from: user or human).
func firstUserMessage(v any, contentKey string) string {
	msgs, _ := v.([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		switch strings.ToLower(str(mm["role"]) + str(mm["from"])) {
		case "user", "human":
			return str(mm[contentKey])
		}
	}
	return ""
}

// mmvuPrompt is an MMVU question with its lettered choices, as vLLM's
// benchmark asks it.
func mmvuPrompt(cols map[string]any) string {
	q := str(cols["question"])
	choices, _ := cols["choices"].(map[string]any)
	if len(choices) == 0 {
		return q
	}
	var b strings.Builder
	b.WriteString(q)
	for _, k := range []string{"A", "B", "C", "D", "E", "F"} {
		if v, ok := choices[k]; ok {
			fmt.Fprintf(&b, "\n%s. %s", k, str(v))
		}
	}
	return b.String()
}

// imageOf is a dataset's image: Hugging Face's {bytes, path} struct, an
// encoded string (URL, data URL, base64, path), or the first of a list.
func imageOf(v any, dir string) (media.Image, error) {
	v = first(v)
	if b, ok := bytesOf(v); ok {
		return media.FromBytes(b)
	}
	return media.ImageFromString(str(v), dir)
}

// audioOf is a dataset's clip: Hugging Face's {bytes, path} struct (FLAC
// and others converted to WAV by FFmpeg) or base64.
func audioOf(v any) (media.Audio, error) {
	b, ok := bytesOf(first(v))
	if !ok {
		return media.Audio{}, fmt.Errorf("no audio bytes")
	}
	return media.DecodeAudio(b)
}

// bytesOf finds a medium's bytes: a {bytes: …} struct (raw in Parquet,
// base64 in JSON) or raw bytes.
func bytesOf(v any) ([]byte, bool) {
	m, inStruct := v.(map[string]any)
	if inStruct {
		v = m["bytes"]
	}
	switch b := v.(type) {
	case []byte:
		return b, len(b) > 0
	case string:
		data, err := base64.StdEncoding.DecodeString(b)
		if err != nil && inStruct {
			return []byte(b), b != "" // Parquet's binary, read as a string
		}
		return data, err == nil && len(data) > 0
	}
	return nil, false
}

// first is a list's first element, or v itself.
func first(v any) any {
	if l, ok := v.([]any); ok {
		if len(l) == 0 {
			return nil
		}
		return l[0]
	}
	return v
}

// textsOf is a list of strings (or one string) as a slice.
func textsOf(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, str(x))
	}
	return out
}

// str is a column's value as text ("" for none).
func str(v any) string {
	switch s := v.(type) {
	case nil:
		return ""
	case string:
		return s
	case []byte:
		return string(s)
	}
	return fmt.Sprint(v)
}
