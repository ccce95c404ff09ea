package export

import (
	"bufio"
	"bytes"
	"encoding/json"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/openai"
)

// imageRefs names a turn's images without their bytes (format, size,
// hash): inputs.json says what was sent, and stays small.
func imageRefs(t dataset.Turn) []openai.Image {
	var out []openai.Image
	for i := range t.Images {
		out = append(out, openai.Image{URL: t.Images[i].Ref(), UUID: t.Images[i].UUID})
	}
	return out
}

// audioRefs names a turn's clips without their bytes.
func audioRefs(t dataset.Turn) []openai.Audio {
	var out []openai.Audio
	for i := range t.Audios {
		out = append(out, openai.Audio{Data: t.Audios[i].Ref(), Format: t.Audios[i].Format})
	}
	return out
}

// videoRefs names a turn's videos without their bytes.
func videoRefs(t dataset.Turn) []openai.Video {
	var out []openai.Video
	for i := range t.Videos {
		out = append(out, openai.Video{URL: t.Videos[i].Ref()})
	}
	return out
}

// WriteInputs writes inputs.json: every conversation with one payload per
// turn, each carrying that turn's user message as the endpoint formats it
// (the deltas that the run extends with the live answers). It streams the
// file, indented as json.MarshalIndent would, one payload at a time, so a
// dataset of long prompts costs one pass and no copy of the whole.
func WriteInputs(path string, convs []dataset.Conversation, codec *endpoint.Codec) error {
	return writeStreamed(path, func(w *bufio.Writer) error {
		w.WriteString("{\n  \"data\": [")
		var body []byte
		var ind bytes.Buffer
		for i, c := range dataset.Flatten(convs) { // a DAG's sub-agents too
			if i > 0 {
				w.WriteByte(',')
			}
			id, _ := json.Marshal(c.ID)
			w.WriteString("\n    {\n      \"session_id\": ")
			w.Write(id)
			w.WriteString(",\n      \"payloads\": [")
			for k, t := range c.Turns {
				msgs := []openai.Message{{Role: "user", Content: t.Text, Images: imageRefs(t), Audios: audioRefs(t), Videos: videoRefs(t)}}
				if t.Messages != nil { // a DAG turn's own messages
					msgs = msgs[:0]
					for _, m := range t.Messages {
						msgs = append(msgs, openai.Message{Role: m.Role, Content: m.Content})
					}
				}
				if k == 0 && c.System != "" {
					msgs = append([]openai.Message{{Role: "system", Content: c.System}}, msgs...)
				}
				var extra []endpoint.Field
				for _, kv := range t.Extra {
					extra = append(extra, endpoint.Field{Key: kv.Key, Value: kv.Value})
				}
				var err error
				if t.Raw != nil { // a raw payload is sent as it is
					body = append(body[:0], t.Raw...)
				} else if body, err = codec.Describe(body[:0], &endpoint.Input{Model: t.Model, History: msgs, Batch: t.Batch,
					MaxTokens: t.MaxTokens, Extra: extra, TurnIndex: k}); err != nil {
					return err
				}
				ind.Reset()
				if err := json.Indent(&ind, body, "        ", "  "); err != nil {
					return err
				}
				if k > 0 {
					w.WriteByte(',')
				}
				w.WriteString("\n        ")
				w.Write(ind.Bytes())
			}
			if len(c.Turns) > 0 {
				w.WriteString("\n      ")
			}
			w.WriteString("]\n    }")
		}
		if len(convs) > 0 {
			w.WriteString("\n  ")
		}
		w.WriteString("]\n}\n")
		return nil
	})
}
