package endpoint

import (
	"strings"
	"testing"
)

// A usage that is not token counts — negative, fractional, beyond
// MaxTokenCount, not a number — is dropped, saying which field was what,
// for every API that reports usage; the rest of the object still counts.
func TestUsageIsVetted(t *testing.T) {
	for _, c := range []struct {
		typ  Type
		data string
		bad  string
	}{
		{Chat, `{"choices":[{"delta":{"content":"hi"}}],"usage":{"prompt_tokens":-5,"completion_tokens":3}}`, "usage.prompt_tokens was -5"},
		{Chat, `{"choices":[],"usage":{"prompt_tokens":1e30,"completion_tokens":3}}`, "usage.prompt_tokens was number 1e30"},
		{Chat, `{"choices":[],"usage":{"prompt_tokens":2.5}}`, "usage.prompt_tokens was number 2.5"},
		{Chat, `{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2000000000}}`, "usage.completion_tokens was 2000000000"},
		{Chat, `{"choices":[],"usage":{"prompt_tokens":3,"prompt_tokens_details":{"cached_tokens":-1}}}`, "usage.cached_tokens was -1"},
		{Responses, `{"type":"response.completed","response":{"id":"r","usage":{"input_tokens":"many","output_tokens":1}}}`, "usage.input_tokens was string"},
		{Messages, `{"type":"message_delta","usage":{"output_tokens":-7}}`, "usage.completion_tokens was -7"},
		{Chat, `{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`, ""},
	} {
		d := (&Codec{Type: c.typ, Stream: true}).NewDecoder()
		p, ok, err := d.Decode([]byte(c.data))
		if err != nil || !ok {
			t.Fatalf("%s: ok %v, %v", c.data, ok, err)
		}
		if c.bad == "" {
			if p.Usage == nil || p.BadUsage != "" {
				t.Errorf("%s: a good usage dropped: %q", c.data, p.BadUsage)
			}
			continue
		}
		if p.Usage != nil || !strings.Contains(p.BadUsage, c.bad) {
			t.Errorf("%s: usage %+v, bad %q; want %q", c.data, p.Usage, p.BadUsage, c.bad)
		}
	}
	if p, _, _ := Decode([]byte(`{"choices":[{"delta":{"content":"still here"}}],"usage":{"prompt_tokens":-1}}`)); p.Content != "still here" {
		t.Errorf("the text went with the usage: %+v", p)
	}
}
