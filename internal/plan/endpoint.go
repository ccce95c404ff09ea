package plan

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/openai"
)

// endpointCodec resolves --endpoint-type and what follows from it: the
// alias, streaming where the API cannot stream, flags that do not apply
// (ignored with a warning), a template endpoint's payload and response
// field, and Responses API chaining.
func endpointCodec(p *config.Profile, extra []endpoint.Field) (*endpoint.Codec, []string, error) {
	t := endpoint.Canonical(p.EndpointType)
	p.EndpointType = string(t)
	var warnings []string
	if p.Streaming && !t.CanStream() {
		warnings = append(warnings, fmt.Sprintf("--streaming ignored: --endpoint-type %s does not stream; whole responses are measured (no TTFT or ITL)", t))
		p.Streaming = false
	}
	osl := p.OutputTokensMean != nil || p.OSLDistribution != ""
	if !t.ProducesTokens() && osl {
		warnings = append(warnings, fmt.Sprintf("--osl ignored: --endpoint-type %s generates no tokens", t))
		p.OutputTokensMean, p.OSLDistribution = nil, ""
	} else if !t.TakesMaxTokens() && osl {
		warnings = append(warnings, fmt.Sprintf("--osl ignored: --endpoint-type %s has no output-length field; answers run as long as the server makes them", t))
		p.OutputTokensMean, p.OSLDistribution = nil, ""
	}
	if p.UseLegacyMaxTokens && t != endpoint.Chat {
		warnings = append(warnings, fmt.Sprintf("--use-legacy-max-tokens ignored: --endpoint-type %s has its own output-limit field", t))
	}
	if t.Standalone() && p.SharedSystemLength > 0 {
		warnings = append(warnings, fmt.Sprintf("--shared-system-prompt-length ignored: --endpoint-type %s sends no system prompt", t))
	}
	codec := &endpoint.Codec{Type: t, Stream: p.Streaming, LegacyMax: p.UseLegacyMaxTokens, IncludeUsage: p.UseServerTokenCount,
		ContentType: p.RequestContentType}
	store := false
	for _, f := range extra {
		switch {
		case t == endpoint.Template && (f.Key == "payload_template" || f.Key == "response_field"), t == endpoint.Raw && f.Key == "response_field":
			if err := setTemplateKey(codec, f); err != nil {
				return nil, nil, UsageError{err}
			}
			continue
		case f.Key == "store" && string(f.Value) == "true":
			store = true
		}
		codec.Extra = append(codec.Extra, f)
	}
	if t == endpoint.Raw && p.CustomDatasetType != "raw_payload" && p.CustomDatasetType != "inputs_json" {
		return nil, nil, UsageError{errors.New("--endpoint-type raw sends each turn's recorded payload as it is: give them with --custom-dataset-type raw_payload or inputs_json and --input-file")}
	}
	if t == endpoint.Template && codec.Payload == nil {
		return nil, nil, UsageError{errors.New("--endpoint-type template needs --extra-inputs payload_template:<template, file or nv-embedqa>")}
	}
	codec.Chain = t == endpoint.Responses && (p.PreviousResponseID || store && p.UseServerTokenCount)
	return codec, warnings, nil
}

// setTemplateKey reads a template endpoint's payload_template or
// response_field from --extra-inputs into the codec.
func setTemplateKey(codec *endpoint.Codec, f endpoint.Field) error {
	var src string
	if err := unquote(f.Value, &src); err != nil {
		return fmt.Errorf("--extra-inputs %s: %v", f.Key, err)
	}
	var err error
	if f.Key == "payload_template" {
		codec.Payload, err = endpoint.ParsePayloadTemplate(src)
	} else {
		codec.ResponseField, err = endpoint.ParsePath(src)
	}
	return err
}

// unquote reads a JSON string value (extra inputs are stored as JSON).
func unquote(v []byte, dst *string) error {
	if len(v) > 0 && v[0] == '"' {
		return json.Unmarshal(v, dst)
	}
	*dst = string(v)
	return nil
}

// checkPayloads builds the turns' bodies (of the first 100 conversations,
// without answers) before the run, so a
// template that cannot render one stops the run with the reason instead of
// failing requests.
func checkPayloads(codec *endpoint.Codec, convs []dataset.Conversation) error {
	if codec.Type != endpoint.Template {
		return nil
	}
	for _, c := range convs[:min(len(convs), 100)] {
		var history []openai.Message
		if c.System != "" {
			history = append(history, openai.Message{Role: "system", Content: c.System})
		}
		for k, t := range c.Turns {
			history = append(history, openai.Message{Role: "user", Content: t.Text})
			in := &endpoint.Input{Model: t.Model, History: history, Batch: t.Batch, MaxTokens: t.MaxTokens, TurnIndex: k}
			if _, err := codec.Build(nil, in); err != nil {
				return UsageError{fmt.Errorf("conversation %s turn %d: %w", c.ID, k, err)}
			}
			history = append(history, openai.Message{Role: "assistant", Content: "answer"})
		}
	}
	return nil
}
