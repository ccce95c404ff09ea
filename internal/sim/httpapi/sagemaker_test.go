package httpapi

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

// messages splits an event stream into its messages' payloads, checking
// each message's length, checksums and PayloadPart headers.
func messages(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for len(b) > 0 {
		if len(b) < 16 {
			t.Fatalf("a message cut short: %q", b)
		}
		total, hlen := binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:])
		if int(total) > len(b) || crc32.ChecksumIEEE(b[:8]) != binary.BigEndian.Uint32(b[8:]) ||
			crc32.ChecksumIEEE(b[:total-4]) != binary.BigEndian.Uint32(b[total-4:]) {
			t.Fatalf("a damaged message: %q", b[:min(len(b), 64)])
		}
		headers := string(b[12 : 12+hlen])
		if !strings.Contains(headers, ":event-type\x07\x00\x0bPayloadPart") || !strings.Contains(headers, ":message-type\x07\x00\x05event") {
			t.Fatalf("headers %q", headers)
		}
		out = append(out, string(b[12+hlen:total-4]))
		b = b[total:]
	}
	return out
}

// SageMaker's routes: a chat body goes to the chat API, a prompt to
// completions; the -response-stream form frames the SSE in event-stream
// messages, one per write, and the whole of it is the chat stream.
func TestSageMakerRoutes(t *testing.T) {
	url, _ := serve(t, nil)
	resp, body := post(t, url+"/endpoints/ep/invocations-response-stream",
		`{"model":"m","messages":[{"role":"user","content":"hi there"}],"max_tokens":3,"stream":true}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	parts := messages(t, []byte(body))
	sse := strings.Join(parts, "")
	if len(parts) < 3 || !strings.Contains(sse, `"chat.completion.chunk"`) || !strings.HasSuffix(sse, "data: [DONE]\n\n") {
		t.Errorf("%d messages: %q", len(parts), sse)
	}
	resp, body = post(t, url+"/endpoints/ep/invocations", `{"model":"m","prompt":"hi there","max_tokens":3}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"text_completion"`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if resp, _ := post(t, url+"/endpoints/ep/invocations-response-stream", `{"model":"m","messages":[]}`); resp.StatusCode != 400 {
		t.Errorf("a bad body: %d", resp.StatusCode)
	}
}
