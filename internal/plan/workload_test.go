package plan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/plan"
)

// Files: a single-turn file is sent once through in order; a timestamped
// trace is replayed on its schedule, its window cut by the offsets.
func TestResolveFiles(t *testing.T) {
	single := writeFile(t, "single.jsonl", "{\"text\": \"one\"}\n{\"text\": \"two\"}\n{\"text\": \"three\"}\n")
	pl := mustResolve(t, "--url", nowhere, "--input-file", single, "--custom-dataset-type", "single_turn")
	if pl.Expected() != 3 || pl.Profiling().MaxSessions != 3 || pl.Profiling().Fixed {
		t.Errorf("a file sent once through: expected %d", pl.Expected())
	}
	trace := writeFile(t, "trace.jsonl", `{"timestamp": 1000, "input_length": 10, "output_length": 2}
{"timestamp": 2000, "input_length": 12, "output_length": 2}
{"timestamp": 3000, "input_length": 14, "output_length": 2}
`)
	pl = mustResolve(t, "--url", nowhere, "--input-file", trace, "--custom-dataset-type", "mooncake_trace", "--fixed-schedule-auto-offset")
	if !pl.Profiling().Fixed || pl.Profiling().FixedZeroMs != 1000 || !strings.HasSuffix(pl.Files().Dir, "-fixed_schedule") || !pl.Flags().FixedSchedule {
		t.Errorf("a trace on its schedule: fixed %v zero %v dir %s", pl.Profiling().Fixed, pl.Profiling().FixedZeroMs, pl.Files().Dir)
	}
	pl = mustResolve(t, "--url", nowhere, "--input-file", trace, "--custom-dataset-type", "mooncake_trace", "--fixed-schedule-end-offset", "2000")
	if pl.Expected() != 2 {
		t.Errorf("the window kept %d requests", pl.Expected())
	}
	pl = mustResolve(t, "--url", nowhere, "--input-file", trace, "--custom-dataset-type", "mooncake_trace", "--no-fixed-schedule",
		"--request-rate", "5", "--ignore-trace-delays")
	if pl.Profiling().Fixed || pl.Conversations()[0].Turns[0].HasTimestamp {
		t.Error("--no-fixed-schedule --ignore-trace-delays kept the timestamps")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--input-file", trace, "--custom-dataset-type", "mooncake_trace", "--request-rate", "5"}, "--request-rate"},
		{[]string{"--input-file", trace, "--custom-dataset-type", "mooncake_trace", "--fixed-schedule-end-offset", "10"}, "offsets"},
		{[]string{"--input-file", writeFile(t, "bad.jsonl", "{not json"), "--custom-dataset-type", "single_turn"}, "bad.jsonl"},
		{[]string{"--input-file", writeFile(t, "img.jsonl", `{"text": "a", "image": "data:image/png;base64,iVBORw0KGgo="}`), "--custom-dataset-type", "single_turn",
			"--endpoint-type", "completions"}, "images"},
	} {
		_, err := resolve(t, append([]string{"--url", nowhere}, c.args...)...)
		var ue plan.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// Synthetic shapes: images and audio made before the run, cache-busting
// markers, rankings and batched embeddings, a template endpoint.
func TestResolveShapes(t *testing.T) {
	pl := mustResolve(t, "--url", nowhere, "--request-count", "2", "--isl", "8", "--osl", "2",
		"--image-width-mean", "16", "--image-height-mean", "16", "--audio-length-mean", "0.1", "--cache-bust", "first_turn_prefix")
	if !says(pl, "Images: 100 made") || !strings.HasPrefix(pl.Conversations()[0].Turns[0].Text, "[run ") {
		t.Errorf("notes %v; first prompt %q", pl.Notes(), pl.Conversations()[0].Turns[0].Text[:20])
	}
	for _, where := range []string{"system_prefix", "system_suffix", "first_turn_suffix"} {
		pl := mustResolve(t, "--url", nowhere, "--request-count", "2", "--isl", "8", "--osl", "2", "--cache-bust", where)
		c := pl.Conversations()[0]
		if !strings.Contains(c.System+c.Turns[0].Text, "[run ") {
			t.Errorf("%s: no marker", where)
		}
	}
	for _, args := range [][]string{
		{"--endpoint-type", "cohere_rankings", "--rankings-passages-mean", "3"},
		{"--endpoint-type", "embeddings", "--prompt-batch-size", "2", "--streaming", "--osl", "3", "--shared-system-prompt-length", "4"},
		{"--endpoint-type", "completions", "--use-legacy-max-tokens"},
		{"--endpoint-type", "template", "--extra-inputs", `payload_template:{"model": {{ model|tojson }}, "messages": {{ messages|tojson }}}`,
			"--extra-inputs", "response_field:choices[0].message.content"},
		{"--endpoint-type", "responses", "--use-previous-response-id", "--extra-inputs", "store:true"},
		{"--endpoint-type", "messages", "--api-key", "k", "-H", "X-A: b"},
	} {
		pl := mustResolve(t, append([]string{"--url", nowhere, "--request-count", "2", "--isl", "8"}, args...)...)
		if pl.Codec().Type != endpoint.Canonical(args[1]) {
			t.Errorf("%v: codec %s", args, pl.Codec().Type)
		}
	}
	h := mustResolve(t, "--url", nowhere, "--endpoint-type", "messages", "--api-key", "k", "-H", "X-A: b").Profiling().Header
	if h.Get("X-Api-Key") != "k" || h.Get("X-A") != "b" || h.Get("Anthropic-Version") == "" {
		t.Errorf("headers %v", h)
	}
	if h := mustResolve(t, "--url", nowhere, "--api-key", "k", "--streaming").Profiling().Header; h.Get("Authorization") != "Bearer k" || h.Get("Accept") != "text/event-stream" {
		t.Errorf("headers %v", h)
	}
}

// --apply-chat-template with the model's own tokenizer loads its template.
func TestResolveChatTemplate(t *testing.T) {
	pl := mustResolve(t, "--url", nowhere, "--tokenizer", "../tokenizer/testdata/tokenizers/qwen3", "--apply-chat-template", "--request-count", "1")
	if pl.Template() == nil || !pl.Profiling().ChatMessages || !says(pl, "rendered by the chat template") {
		t.Error("no chat template")
	}
}
