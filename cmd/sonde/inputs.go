package main

import (
	"encoding/json"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/openai"
)

// inputsJSON renders inputs.json: every conversation with one payload per
// turn, each carrying that turn's user message as the endpoint formats it
// (the deltas that the run extends with the live answers).
func inputsJSON(convs []dataset.Conversation, codec *endpoint.Codec) []byte {
	type session struct {
		SessionID string            `json:"session_id"`
		Payloads  []json.RawMessage `json:"payloads"`
	}
	out := struct {
		Data []session `json:"data"`
	}{}
	for _, c := range convs {
		s := session{SessionID: c.ID}
		for k, t := range c.Turns {
			msgs := []openai.Message{{Role: "user", Content: t.Text}}
			if k == 0 && c.System != "" {
				msgs = append([]openai.Message{{Role: "system", Content: c.System}}, msgs...)
			}
			var extra []endpoint.Field
			for _, kv := range t.Extra {
				extra = append(extra, endpoint.Field{Key: kv.Key, Value: kv.Value})
			}
			body := codec.Encode(nil, t.Model, msgs, t.MaxTokens, extra...)
			s.Payloads = append(s.Payloads, body)
		}
		out.Data = append(out.Data, s)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return append(b, '\n')
}
