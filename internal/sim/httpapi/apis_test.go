package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/sim"
)

// TestDialectStreams: each generative API streams the same engine's tokens
// in its own events, ends as its API does, and counts the same usage.
func TestDialectStreams(t *testing.T) {
	addr, _ := serve(t, nil)
	for _, c := range []struct {
		path, body  string
		hdr         []string
		first, last string // the first and last event's marker
		deltas      string // marker of a token event
	}{
		{"/v1/responses", `{"model":"m","input":[{"role":"user","content":"hello there"}],"stream":true,"max_output_tokens":4}`, nil,
			"response.created", "response.incomplete", "event: response.output_text.delta"},
		{"/v1/messages", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hello there"}]}],"stream":true,"max_tokens":4}`,
			[]string{"Anthropic-Version", "2023-06-01"}, "message_start", "message_stop", `"text_delta"`},
		{"/generate_stream", `{"inputs":"hello there","parameters":{"max_new_tokens":4}}`, nil,
			`"index":0`, `"generated_tokens":4`, `"token"`},
	} {
		resp, body := post(t, addr+c.path, c.body, c.hdr...)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("%s: %d %s", c.path, resp.StatusCode, body)
		}
		events := strings.Split(strings.TrimSpace(body), "\n\n")
		if !strings.Contains(events[0], c.first) || !strings.Contains(events[len(events)-1], c.last) {
			t.Errorf("%s: first %q, last %q", c.path, events[0], events[len(events)-1])
		}
		if n := strings.Count(body, c.deltas); n != 4 {
			t.Errorf("%s: %d token events, want 4:\n%s", c.path, n, body)
		}
		for _, e := range events {
			data := e[strings.Index(e, "data:")+5:]
			if !json.Valid([]byte(data)) {
				t.Errorf("%s: invalid JSON event %q", c.path, e)
			}
		}
		if strings.Contains(body, "[DONE]") {
			t.Errorf("%s: OpenAI's [DONE] in another API's stream", c.path)
		}
	}
}

func TestDialectWholeBodies(t *testing.T) {
	addr, _ := serve(t, func(o *sim.Options) { o.Output.ReasoningTokens = 2 })
	for path, c := range map[string]struct {
		body string
		want []string
	}{
		"/v1/responses": {`{"model":"m","input":"hello","max_output_tokens":5}`, []string{`"object":"response"`, `"type":"reasoning"`, `"output_text"`, `"input_tokens":1`, `"reasoning_tokens":2`}},
		"/v1/messages":  {`{"model":"m","system":"be brief","messages":[{"role":"user","content":"hello"}],"max_tokens":5}`, []string{`"type":"thinking"`, `"type":"text"`, `"stop_reason":"max_tokens"`, `"output_tokens":5`}},
		"/generate":     {`{"inputs":"hello","parameters":{"max_new_tokens":5}}`, []string{`"generated_text"`, `"generated_tokens":5`, `"finish_reason":"length"`}},
	} {
		resp, body := post(t, addr+path, c.body, "Anthropic-Version", "2023-06-01")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %s in %s", path, w, body)
			}
		}
	}
}

// TestResponsesStore: previous_response_id continues a stored conversation,
// so the prompt includes it; an unknown id is a 400, as OpenAI's.
func TestResponsesStore(t *testing.T) {
	addr, _ := serve(t, nil)
	_, first := post(t, addr+"/v1/responses", `{"model":"m","input":"one two three","max_output_tokens":3}`)
	var r struct {
		ID    string `json:"id"`
		Usage struct {
			Input  int `json:"input_tokens"`
			Output int `json:"output_tokens"`
		} `json:"usage"`
	}
	json.Unmarshal([]byte(first), &r)
	_, second := post(t, addr+"/v1/responses", `{"model":"m","input":"four","max_output_tokens":3,"previous_response_id":"`+r.ID+`"}`)
	var r2 struct {
		Usage struct {
			Input int `json:"input_tokens"`
		} `json:"usage"`
	}
	json.Unmarshal([]byte(second), &r2)
	if r2.Usage.Input <= r.Usage.Input+r.Usage.Output {
		t.Errorf("the chained prompt has %d tokens; the first turn had %d and its answer %d", r2.Usage.Input, r.Usage.Input, r.Usage.Output)
	}
	if resp, body := post(t, addr+"/v1/responses", `{"model":"m","input":"x","previous_response_id":"resp_nope"}`); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "resp_nope") {
		t.Errorf("unknown id: %d %s", resp.StatusCode, body)
	}
}

func TestPoolingAPIs(t *testing.T) {
	addr, _ := serve(t, nil)
	for path, c := range map[string]struct {
		body string
		want []string
	}{
		"/v1/embeddings": {`{"model":"m","input":["a b","c"]}`, []string{`"object":"list"`, `"index":1`, `"prompt_tokens":3`}},
		"/v1/ranking":    {`{"model":"m","query":{"text":"q"},"passages":[{"text":"p1"},{"text":"p2"}]}`, []string{`"rankings"`, `"logit"`}},
		"/rerank":        {`{"query":"q","texts":["p1","p2","p3"]}`, []string{`"score"`}},
		"/v2/rerank":     {`{"model":"m","query":"q","documents":["p1"]}`, []string{`"results"`, `"relevance_score"`}},
	} {
		resp, body := post(t, addr+path, c.body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %s in %s", path, w, body)
			}
		}
	}
	if resp, body := post(t, addr+"/rerank", `{"query":"q","texts":[]}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no passages: %d %s", resp.StatusCode, body)
	}
}

// TestDialectAuthAndFaults: the key in Anthropic's header, its version
// header, and injected faults on every API.
func TestDialectAuthAndFaults(t *testing.T) {
	addr, _ := serve(t, func(o *sim.Options) { o.APIKey = "k" })
	msg := `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":2}`
	if resp, _ := post(t, addr+"/v1/messages", msg, "X-Api-Key", "k"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no anthropic-version: %d", resp.StatusCode)
	}
	if resp, _ := post(t, addr+"/v1/messages", msg, "X-Api-Key", "k", "Anthropic-Version", "2023-06-01"); resp.StatusCode != http.StatusOK {
		t.Errorf("x-api-key: %d", resp.StatusCode)
	}
	if resp, _ := post(t, addr+"/v1/embeddings", `{"input":"x"}`, "X-Api-Key", "k"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("x-api-key outside messages: %d", resp.StatusCode)
	}
	for _, path := range []string{"/generate", "/rerank"} {
		if resp, _ := post(t, addr+path, `{"inputs":"x","query":"q","texts":["p"]}`); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without the key: %d", path, resp.StatusCode)
		}
	}
	faulty, _ := serve(t, func(o *sim.Options) { o.Faults.ErrorRate = 100 })
	for _, path := range []string{"/v1/embeddings", "/v1/responses", "/generate"} {
		if resp, _ := post(t, faulty+path, `{"input":"x","inputs":"x"}`); resp.StatusCode < 400 {
			t.Errorf("%s: an injected error answered %d", path, resp.StatusCode)
		}
	}
}
