package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/ardanlabs/jinja"
)

// PayloadTemplate is a template endpoint's request body: a Jinja template
// (AIPerf's payload_template) rendered per request to a JSON object.
type PayloadTemplate struct {
	tmpl   *jinja.Template
	Source string // where it came from: a name, a file, or "inline"
}

// namedTemplates are AIPerf's built-in payload templates.
var namedTemplates = map[string]string{
	"nv-embedqa": `{"text": {{ texts|tojson }}}`,
}

// ParsePayloadTemplate reads payload_template's value: a built-in name, a
// file path, or the template itself.
func ParsePayloadTemplate(v string) (*PayloadTemplate, error) {
	source, from := v, "inline"
	if named, ok := namedTemplates[strings.TrimSpace(v)]; ok {
		source, from = named, strings.TrimSpace(v)
	} else if !strings.ContainsAny(v, "{}") {
		data, err := os.ReadFile(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("--extra-inputs payload_template: %q is neither a template, a built-in name (nv-embedqa) nor a readable file: %v", v, err)
		}
		source, from = string(data), strings.TrimSpace(v)
	}
	t, err := jinja.Compile(source)
	if err != nil {
		return nil, fmt.Errorf("--extra-inputs payload_template (%s) does not compile: %v", from, err)
	}
	return &PayloadTemplate{tmpl: t, Source: from}, nil
}

// render fills the template with the request's variables (AIPerf's names,
// plus messages: the whole conversation, for multi-turn APIs) and merges
// the extras over the object it renders.
func (p *PayloadTemplate) render(dst []byte, c *Codec, in *Input) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("--endpoint-type template needs --extra-inputs payload_template:<template, file or name>")
	}
	text := query(in)
	all := texts(in)
	msgs := make([]map[string]any, len(in.History))
	for i, m := range in.History {
		msgs[i] = map[string]any{"role": m.Role, "content": m.Content}
	}
	vars := map[string]any{
		"text": text, "texts": all, "query": text, "queries": []string{text},
		"passage": first(in.Batch), "passages": nonNil(in.Batch),
		"texts_by_name": map[string]any{"query": []string{text}, "passages": nonNil(in.Batch)},
		"model":         in.Model, "max_tokens": nilIfZero(in.MaxTokens), "stream": c.Stream, "role": "user",
		"messages": msgs, "turn_index": in.TurnIndex, "previous_response_id": in.PreviousID,
	}
	out, err := p.tmpl.Render(vars)
	if err != nil {
		return nil, fmt.Errorf("payload_template (%s): %v", p.Source, err)
	}
	fields, err := objectFields([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("payload_template (%s) did not render a JSON object (use |tojson for strings and lists): %v; it rendered: %.200s", p.Source, err, out)
	}
	return appendObject(dst, merge(fields, append(c.Extra[:len(c.Extra):len(c.Extra)], in.Extra...))), nil
}

// objectFields splits a JSON object into its fields, in order.
func objectFields(b []byte) ([]Field, error) {
	b = bytes.TrimSpace(b)
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, err
	}
	keys, err := objectKeys(string(b))
	if err != nil {
		return nil, err
	}
	out := make([]Field, 0, len(keys))
	for _, k := range keys {
		var compact bytes.Buffer
		json.Compact(&compact, obj[k])
		out = append(out, Field{k, compact.Bytes()})
	}
	return out, nil
}

func first(s []string) any {
	if len(s) == 0 {
		return nil
	}
	return s[0]
}

func nilIfZero(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// Path is a response_field: a JMESPath subset — dotted names, [n] indexes
// (negative from the end) and [] or [*] projections, e.g.
// data[0].embedding, choices[0].delta.content, results[*].score.
type Path []step

type step struct {
	name    string
	index   int
	isIndex bool
	project bool
}

// ParsePath reads a response_field.
func ParsePath(s string) (Path, error) {
	var p Path
	bad := func(why string) (Path, error) {
		return nil, fmt.Errorf("--extra-inputs response_field %q: %s (supported: names, [n], [] and [*], joined by dots)", s, why)
	}
	rest := strings.TrimSpace(s)
	switch {
	case rest == "":
		return bad("empty")
	case rest[0] == '.':
		return bad("it starts with a dot")
	}
	for rest != "" {
		switch {
		case rest[0] == '.':
			rest = rest[1:]
			if rest == "" || rest[0] == '.' || rest[0] == '[' {
				return bad("a dot must be followed by a name")
			}
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return bad("unclosed [")
			}
			in := strings.TrimSpace(rest[1:end])
			rest = rest[end+1:]
			if in == "" || in == "*" {
				p = append(p, step{project: true})
				continue
			}
			var n int
			if _, err := fmt.Sscanf(in, "%d", &n); err != nil || fmt.Sprint(n) != in {
				return bad("index " + in + " is not an integer")
			}
			p = append(p, step{index: n, isIndex: true})
			continue
		}
		end := strings.IndexAny(rest, ".[")
		if end < 0 {
			end = len(rest)
		}
		name := strings.Trim(rest[:end], `"`)
		if name == "" {
			return bad("empty name")
		}
		p = append(p, step{name: name})
		rest = rest[end:]
	}
	return p, nil
}

// Eval applies the path to a decoded JSON value; ok is false when it leads
// nowhere (a missing key, an index out of range, null).
func (p Path) Eval(v any) (any, bool) {
	for i, s := range p {
		switch {
		case s.project:
			list, ok := v.([]any)
			if !ok {
				return nil, false
			}
			var out []any
			for _, item := range list {
				if x, ok := p[i+1:].Eval(item); ok {
					out = append(out, x)
				}
			}
			return out, true
		case s.isIndex:
			list, ok := v.([]any)
			if !ok {
				return nil, false
			}
			k := s.index
			if k < 0 {
				k += len(list)
			}
			if k < 0 || k >= len(list) {
				return nil, false
			}
			v = list[k]
		default:
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = obj[s.name]; !ok {
				return nil, false
			}
		}
	}
	return v, v != nil
}
