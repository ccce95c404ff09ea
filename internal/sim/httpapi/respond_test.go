package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/sonde-bench/sonde/internal/openai"
)

// The pre-rendered chunk must be exactly what encoding/json would produce.
func TestChunkTemplateIsValidJSON(t *testing.T) {
	for _, chat := range []bool{true, false} {
		o := &responder{chat: chat, model: `m"odel`, id: "cmpl-1", created: 42}
		for _, fin := range []string{"", "length"} {
			tpl := o.template("content", fin)
			for _, text := range []string{" word", "quote\"and\\slash\n", "ünïcode"} {
				b := tpl.render(nil, text)
				if string(b[:6]) != "data: " || string(b[len(b)-2:]) != "\n\n" {
					t.Fatalf("framing: %q", b)
				}
				var r openai.Response
				if err := json.Unmarshal(b[6:len(b)-2], &r); err != nil {
					t.Fatalf("%q: %v", b, err)
				}
				got := ""
				if chat {
					got = *r.Choices[0].Delta.Content
				} else {
					got = *r.Choices[0].Text
				}
				if got != text || r.Model != `m"odel` || (fin != "" && *r.Choices[0].FinishReason != fin) || (fin == "" && r.Choices[0].FinishReason != nil) {
					t.Fatalf("%q decoded to %+v", b, r)
				}
			}
		}
	}
}
