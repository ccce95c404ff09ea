package endpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxTokenCount is the largest token count sonde takes from a server or a
// file: a billion tokens is beyond any context window, and a count above
// it is a fault, not a measurement.
const MaxTokenCount = 1_000_000_000

// unmarshal is json.Unmarshal that tells a usage count that is not an int
// (1e30, 2.5, "many") from invalid JSON: encoding/json decodes the rest of
// the object and reports the first such field, which becomes badUsage.
func unmarshal(data []byte, v any) (badUsage string, err error) {
	err = json.Unmarshal(data, v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && strings.Contains(te.Field, "usage") {
		return fmt.Sprintf("%s was %s", te.Field, te.Value), nil
	}
	return "", err
}

// vetUsage drops a usage whose counts are not token counts, saying which:
// a negative count gave negative output lengths and throughputs.
func (p *Parsed) vetUsage(bad string) {
	if bad == "" && p.Usage != nil {
		u := p.Usage
		cached, _ := u.Cached()
		reasoning, _ := u.Reasoning()
		for _, f := range []struct {
			name string
			n    int
		}{{"prompt_tokens", u.PromptTokens}, {"completion_tokens", u.CompletionTokens}, {"total_tokens", u.TotalTokens},
			{"cached_tokens", cached}, {"reasoning_tokens", reasoning}} {
			if f.n < 0 || f.n > MaxTokenCount {
				bad = fmt.Sprintf("usage.%s was %d", f.name, f.n)
				break
			}
		}
	}
	if bad != "" {
		p.Usage, p.BadUsage = nil, bad+", not a token count"
	}
}
