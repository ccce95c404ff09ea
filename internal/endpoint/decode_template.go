package endpoint

import (
	"encoding/json"
	"strings"
)

// template reads a template endpoint's answer: at response_field when one
// is given, else by AIPerf's auto-detection (embeddings, rankings, then
// text), with OpenAI's and TGI's shapes recognised first so that a
// template pointed at them streams token by token.
func (d *Decoder) template(data []byte) (p Parsed, ok bool, err error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return invalid(err)
	}
	if d.c.ResponseField != nil {
		x, found := d.c.ResponseField.Eval(v)
		if !found {
			return p, true, nil
		}
		fill(&p, x)
		return p, true, nil
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		fill(&p, v) // a bare list: vectors or scores
		return p, true, nil
	}
	if e, has := obj["error"]; has && e != nil {
		switch e := e.(type) {
		case string:
			p.Err = e
		case map[string]any:
			p.Err, _ = e["message"].(string)
		}
		if p.Err == "" {
			p.Err = string(data)
		}
		return p, true, nil
	}
	if _, has := obj["choices"]; has {
		return Decode(data)
	}
	if _, has := obj["token"]; has {
		return decodeTGI(data)
	}
	for _, key := range []string{"data", "embeddings", "embedding", "rankings", "results"} {
		if x, has := obj[key]; has {
			if list, isList := x.([]any); isList {
				p.Items = max(len(list), 1)
				if _, vector := firstOf(list).(float64); vector {
					p.Items = 1 // "embedding": one vector
				}
				return p, true, nil
			}
		}
	}
	for _, key := range []string{"text", "content", "response", "output", "result", "generated_text"} {
		if s, has := obj[key].(string); has {
			p.Content = s
			return p, true, nil
		}
	}
	return p, true, nil
}

// fill sets what a value found at response_field carries: text, or items.
func fill(p *Parsed, x any) {
	switch x := x.(type) {
	case string:
		p.Content = x
	case []any:
		if len(x) == 0 {
			return
		}
		if _, ok := x[0].(string); ok {
			var b strings.Builder
			for _, part := range x {
				if s, ok := part.(string); ok {
					b.WriteString(s)
				}
			}
			p.Content = b.String()
			return
		}
		if _, ok := x[0].(float64); ok {
			p.Items = 1 // one vector
			return
		}
		p.Items = len(x)
	case float64, bool, map[string]any:
		p.Items = 1
	}
}

func firstOf(list []any) any {
	if len(list) == 0 {
		return nil
	}
	return list[0]
}
