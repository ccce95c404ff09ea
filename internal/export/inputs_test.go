package export

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/openai"
)

// WriteInputs streams exactly what json.MarshalIndent of the whole would
// give, for empty, one-turn, multi-turn and system-prompt conversations.
func TestWriteInputsMatchesMarshalIndent(t *testing.T) {
	codec := &endpoint.Codec{Type: endpoint.Chat, Stream: true}
	for _, convs := range [][]dataset.Conversation{
		nil,
		{{ID: "a", Turns: []dataset.Turn{{Model: "m", Text: "hi \"there\"\n", MaxTokens: 5}}}},
		{{ID: "b", System: "sys", Turns: []dataset.Turn{{Model: "m", Text: "one"}, {Model: "m", Text: "two", Extra: []dataset.KV{{Key: "k", Value: []byte(`{"x":[1,2]}`)}}}}},
			{ID: "c", Turns: []dataset.Turn{{Model: "n", Text: "three", MaxTokens: 1}}}},
	} {
		path := filepath.Join(t.TempDir(), "inputs.json")
		if err := WriteInputs(path, convs, codec); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if want := marshalIndentInputs(convs, codec); string(got) != string(want) {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	}
}

// marshalIndentInputs is the straightforward rendering WriteInputs matches.
func marshalIndentInputs(convs []dataset.Conversation, codec *endpoint.Codec) []byte {
	type session struct {
		SessionID string            `json:"session_id"`
		Payloads  []json.RawMessage `json:"payloads"`
	}
	out := struct {
		Data []session `json:"data"`
	}{Data: []session{}}
	for _, c := range convs {
		s := session{SessionID: c.ID, Payloads: []json.RawMessage{}}
		for k, t := range c.Turns {
			msgs := []openai.Message{{Role: "user", Content: t.Text}}
			if k == 0 && c.System != "" {
				msgs = append([]openai.Message{{Role: "system", Content: c.System}}, msgs...)
			}
			var extra []endpoint.Field
			for _, kv := range t.Extra {
				extra = append(extra, endpoint.Field{Key: kv.Key, Value: kv.Value})
			}
			s.Payloads = append(s.Payloads, codec.Encode(nil, t.Model, msgs, t.MaxTokens, extra...))
		}
		out.Data = append(out.Data, s)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return append(b, '\n')
}
