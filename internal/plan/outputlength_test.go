package plan

import (
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
)

func TestOutputLength(t *testing.T) {
	osl := 150
	turns := func(max ...int) []dataset.Conversation {
		c := dataset.Conversation{}
		for _, m := range max {
			c.Turns = append(c.Turns, dataset.Turn{MaxTokens: m})
		}
		return []dataset.Conversation{c}
	}
	for _, c := range []struct {
		p     config.Profile
		convs []dataset.Conversation
		want  string
	}{
		{config.Profile{EndpointType: "chat"}, turns(0, 0), "not limited (no --osl)"},
		{config.Profile{EndpointType: "chat", OutputTokensMean: &osl, OutputTokensStddev: 5}, turns(150), "--osl 150 (stddev 5) tokens, sent as max_completion_tokens"},
		{config.Profile{EndpointType: "chat", UseLegacyMaxTokens: true, OutputTokensMean: &osl}, turns(150), "sent as max_tokens"},
		{config.Profile{EndpointType: "completions"}, turns(10, 30), "from the dataset, 20 tokens on average, sent as max_tokens"},
		{config.Profile{EndpointType: "responses"}, turns(10, 0), "from the dataset on 1 of 2 turns"},
		{config.Profile{EndpointType: "huggingface_generate", OutputTokensMean: &osl}, nil, "sent as max_new_tokens"},
		{config.Profile{EndpointType: "messages"}, turns(0), "max_tokens 4096 where the dataset gives none"},
		{config.Profile{EndpointType: "chat", ExtraInputs: []string{"max_tokens:64"}}, turns(0), "max_tokens from --extra-inputs"},
		{config.Profile{EndpointType: "chat", ExtraInputs: []string{`{"max_completion_tokens": 9}`}}, turns(0), "max_completion_tokens from --extra-inputs"},
	} {
		if got := outputLength(&c.p, c.convs); !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
	if got := outputLength(&config.Profile{EndpointType: "embeddings"}, nil); got != "" {
		t.Errorf("embeddings generate nothing, yet: %q", got)
	}
}
