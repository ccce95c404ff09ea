package dataset

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func captureOf(data, encoding, at string) string {
	q := fmt.Sprintf("%q", data)
	return fmt.Sprintf(`{"captureData": {"endpointInput": {"observedContentType": "application/json", "mode": "INPUT", "data": %s, "encoding": %q}, "endpointOutput": {"data": "{}", "encoding": "JSON"}}, "eventMetadata": {"eventId": "e-%s", "inferenceTime": %q}, "eventVersion": "0"}`, q, encoding, at, at)
}

// Captures in an hourly folder tree are read recursively, sorted by time
// (ms since the earliest), each a chat request sent as captured; base64
// payloads are decoded.
func TestSageMakerCapture(t *testing.T) {
	dir := t.TempDir()
	hour := filepath.Join(dir, "2026", "04", "29", "00")
	os.MkdirAll(hour, 0o755)
	b64 := base64.StdEncoding.EncodeToString([]byte(`{"messages": [{"role": "user", "content": "second"}], "max_completion_tokens": 9}`))
	os.WriteFile(filepath.Join(hour, "b.jsonl"), []byte(captureOf(b64, "BASE64", "2026-04-29T00:03:20Z")+"\n"), 0o644)
	os.WriteFile(filepath.Join(hour, "a.jsonl"), []byte(captureOf(`{"model": "x", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "What is AI?"}], "max_tokens": 50, "temperature": 0.2}`, "JSON", "2026-04-29T00:03:18Z")+"\n"), 0o644)
	convs, err := LoadFile(opts(t, dir, "sagemaker_data_capture"))
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || convs[0].ID != "e-2026-04-29T00:03:18Z" || convs[1].Turns[0].Timestamp != 2000 || convs[0].Turns[0].Timestamp != 0 {
		t.Fatalf("%+v", convs)
	}
	a := convs[0].Turns[0]
	if len(a.Messages) != 2 || a.Messages[0].Role != "system" || a.MaxTokens != 50 || extra(a, "temperature") != "0.2" || extra(a, "model") != "" || !convs[0].Standalone {
		t.Fatalf("%+v", a)
	}
	if convs[1].Turns[0].MaxTokens != 9 || convs[1].Turns[0].Messages[0].Content != "second" {
		t.Fatalf("%+v", convs[1].Turns[0])
	}
	for content, want := range map[string]string{
		captureOf(`{"messages": []}`, "JSON", "2026-04-29T00:00:00Z"): "messages",
		captureOf(`{}`, "JSON", "yesterday"):                          "inferenceTime",
		captureOf(`!!`, "BASE64", "2026-04-29T00:00:00Z"):             "not base64",
	} {
		if _, err := LoadFile(opts(t, writeFile(t, "c.jsonl", content), "sagemaker_data_capture")); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", content, err, want)
		}
	}
}
