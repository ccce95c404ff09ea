package output

import (
	"testing"

	"github.com/sonde-bench/sonde/internal/config"
)

func TestGenAINames(t *testing.T) {
	for _, c := range []struct {
		typ, url, given, want string
	}{
		{"chat", "http://localhost:8000/v1/chat/completions", "", "openai"},
		{"chat", "https://api.anthropic.com/v1/x", "", "anthropic"},
		{"chat", "https://x.openai.azure.com/v1/x", "", "azure.ai.openai"},
		{"chat", "https://runtime.sagemaker.us-east-1.amazonaws.com/x", "", "aws.bedrock"},
		{"messages", "http://localhost:8000", "", "anthropic"},
		{"chat", "http://localhost:8000", "vllm", "vllm"},
	} {
		if got := genAIProvider(&config.Profile{EndpointType: c.typ, GenAIProvider: c.given}, []string{c.url}); got != c.want {
			t.Errorf("%s %s: %s", c.typ, c.url, got)
		}
	}
	for typ, want := range map[string]string{"chat": "chat", "completions": "text_completion", "embeddings": "embeddings", "messages": "chat"} {
		if got := genAIOperation(typ); got != want {
			t.Errorf("%s: %s", typ, got)
		}
	}
	if streamed(false, false) != "nothing, all at the end" || streamed(true, false) != "metrics" {
		t.Error("streamed")
	}
}
