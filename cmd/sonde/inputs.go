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
		for _, t := range c.Turns {
			body := codec.Encode(nil, t.Model, []openai.Message{{Role: "user", Content: t.Text}}, t.MaxTokens)
			s.Payloads = append(s.Payloads, body)
		}
		out.Data = append(out.Data, s)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	return append(b, '\n')
}
