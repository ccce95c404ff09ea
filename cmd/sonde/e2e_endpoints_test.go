package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// endpointCase is one --endpoint-type run against the simulator, and what
// its requests must look like on the wire.
type endpointCase struct {
	name   string
	args   []string
	path   string   // the route the simulator must have been asked
	keys   []string // top-level body keys every request carries
	tokens bool     // generates text (OSL, multi-turn history)
	stream bool
	inputs int // vectors or scores per request (embeddings, rankings)
}

const chatTemplate = `payload_template:{"model": {{ model|tojson }}, "messages": {{ messages|tojson }}, "stream": {{ stream|tojson }}, "max_tokens": {{ max_tokens|tojson }}}`

var endpointCases = []endpointCase{
	{name: "responses", args: []string{"--endpoint-type", "responses", "--streaming"}, path: "/v1/responses", keys: []string{"input", "instructions", "max_output_tokens"}, tokens: true, stream: true},
	{name: "responses-whole", args: []string{"--endpoint-type", "responses"}, path: "/v1/responses", keys: []string{"input"}, tokens: true},
	{name: "messages", args: []string{"--endpoint-type", "messages", "--streaming"}, path: "/v1/messages", keys: []string{"system", "messages", "max_tokens"}, tokens: true, stream: true},
	{name: "messages-whole", args: []string{"--endpoint-type", "messages"}, path: "/v1/messages", keys: []string{"messages"}, tokens: true},
	{name: "huggingface_generate", args: []string{"--endpoint-type", "huggingface_generate", "--streaming"}, path: "/generate_stream", keys: []string{"inputs", "parameters"}, tokens: true, stream: true},
	{name: "huggingface_generate-whole", args: []string{"--endpoint-type", "huggingface_generate"}, path: "/generate", keys: []string{"inputs"}, tokens: true},
	{name: "template", args: []string{"--endpoint-type", "template", "--custom-endpoint", "/v1/chat/completions", "--streaming", "--extra-inputs", chatTemplate}, path: "/v1/chat/completions", keys: []string{"messages", "ignore_eos"}, tokens: true, stream: true},
	{name: "embeddings", args: []string{"--endpoint-type", "embeddings", "-b", "3"}, path: "/v1/embeddings", keys: []string{"input", "model"}, inputs: 3},
	{name: "chat_embeddings", args: []string{"--endpoint-type", "chat_embeddings"}, path: "/v1/embeddings", keys: []string{"messages"}, inputs: 1},
	{name: "nim_embeddings", args: []string{"--endpoint-type", "nim_embeddings", "-b", "2"}, path: "/v1/embeddings", keys: []string{"input", "input_type"}, inputs: 2},
	{name: "nim_rankings", args: []string{"--endpoint-type", "rankings", "--rankings-passages-mean", "4"}, path: "/v1/ranking", keys: []string{"query", "passages"}, inputs: 4},
	{name: "hf_tei_rankings", args: []string{"--endpoint-type", "hf_tei_rankings", "--rankings-passages-mean", "2"}, path: "/rerank", keys: []string{"query", "texts"}, inputs: 2},
	{name: "cohere_rankings", args: []string{"--endpoint-type", "cohere_rankings", "--rankings-passages-mean", "3"}, path: "/v2/rerank", keys: []string{"query", "documents"}, inputs: 3},
	{name: "template-embeddings", args: []string{"--endpoint-type", "template", "--custom-endpoint", "/v1/embeddings", "-b", "2",
		"--extra-inputs", `payload_template:{"input": {{ texts|tojson }}, "model": {{ model|tojson }}}`, "--extra-inputs", "response_field:data[].embedding"},
		path: "/v1/embeddings", keys: []string{"input"}},
}

// TestEveryEndpointType runs each API against the simulator, which speaks
// them all: every request is answered and recorded, bodies have the API's
// shape, generative APIs carry the conversation from turn to turn, and the
// server's usage agrees with sonde's own count. The simulator refuses a
// request without its API's key header (Bearer, or Anthropic's x-api-key)
// and a messages request without anthropic-version, so each run's success
// says the headers were right.
func TestEveryEndpointType(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	const key = "sk-endpoint-secret"
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us", "--api-key", key)
	dirs := map[string]string{}
	// Every case over net/http's client, then over the lean one.
	var cases []endpointCase
	for _, client := range []string{"std", "lean"} {
		for _, c := range endpointCases {
			c.name += "/" + client
			c.args = append(slices.Clone(c.args), "--http-client", client)
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		dir := filepath.Join(t.TempDir(), c.name)
		dirs[c.name] = dir
		args := append([]string{"profile", "-m", "m", "--url", sim.addr, "--artifact-dir", dir, "--ui-type", "none",
			"--request-count", "4", "--concurrency", "2", "--isl", "16", "--osl", "6", "--conversation-turn-mean", "2",
			"--shared-system-prompt-length", "8", "--rankings-query-prompt-token-mean", "8", "--rankings-passages-prompt-token-mean", "12",
			"--extra-inputs", "ignore_eos:true", "--api-key", key, "--no-server-metrics"}, c.args...)
		if c.tokens && !strings.HasPrefix(c.name, "huggingface_generate") && !strings.HasPrefix(c.name, "template/") {
			args = append(args, "--use-server-token-count")
		}
		res := runSonde(t, args...)
		if res.code != 0 {
			t.Fatalf("%s: exit %d\n%s", c.name, res.code, res.stderr)
		}
		assertNoSecret(t, dir, res, key)
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if n := stat(t, s, "request_count", "avg"); n != 4 {
			t.Errorf("%s: request_count %v, want 4", c.name, n)
		}
		if _, failed := s["error_request_count"]; failed {
			t.Errorf("%s: errors: %v", c.name, s["error_summary"])
		}
		_, ttft := s["time_to_first_token"]
		if ttft != c.stream {
			t.Errorf("%s: TTFT present %v, streaming %v", c.name, ttft, c.stream)
		}
		switch {
		case c.tokens:
			if osl := stat(t, s, "output_sequence_length", "avg"); osl != 6 {
				t.Errorf("%s: OSL %v, want the 6 asked (ignore_eos)", c.name, osl)
			}
		case c.inputs > 0:
			if _, has := s["output_token_throughput"]; has {
				t.Errorf("%s: output token throughput for an API that generates no tokens", c.name)
			}
			if got := stat(t, s, "total_inputs", "avg"); got != float64(4*c.inputs) {
				t.Errorf("%s: total_inputs %v, want %d", c.name, got, 4*c.inputs)
			}
			if stat(t, s, "input_throughput", "avg") <= 0 || stat(t, s, "input_token_throughput", "avg") <= 0 {
				t.Errorf("%s: no input throughput", c.name)
			}
			if strings.HasPrefix(c.name, "embeddings/") {
				checkSummarizeInputs(t, dir, s)
			}
		}
		if _, has := s["usage_prompt_tokens"]; has && !strings.Contains(c.name, "rankings") {
			// The simulator's prompt is the messages' contents, as sonde counts ISL.
			if u, isl := stat(t, s, "usage_prompt_tokens", "avg"), stat(t, s, "input_sequence_length", "avg"); u != isl {
				t.Errorf("%s: server prompt tokens %v, sonde's ISL %v", c.name, u, isl)
			}
		}
	}
	recs := sim.stop(t)
	byCase := map[string][]simRecord{}
	seen := 0
	for _, c := range cases {
		n := 0
		for _, r := range recs[seen:] {
			if n == 4 {
				break
			}
			byCase[c.name] = append(byCase[c.name], r)
			n++
		}
		seen += n
	}
	if seen != len(recs) {
		t.Fatalf("the simulator recorded %d requests, the runs sent %d", len(recs), seen)
	}
	for _, c := range cases {
		rs := byCase[c.name]
		for _, r := range rs {
			if r.Path != c.path || r.Status != 200 {
				t.Errorf("%s: asked %s (status %d), want %s", c.name, r.Path, r.Status, c.path)
			}
			var body map[string]json.RawMessage
			json.Unmarshal(r.Body, &body)
			for _, k := range c.keys {
				if _, ok := body[k]; !ok {
					t.Errorf("%s: body without %q: %s", c.name, k, r.Body)
				}
			}
		}
		if c.tokens {
			checkHistory(t, c.name, rs)
		}
	}
}

// checkSummarizeInputs: summarize rebuilds an embeddings run's per-input
// metrics from its records alone.
func checkSummarizeInputs(t *testing.T, dir string, orig map[string]any) {
	t.Helper()
	os.Remove(filepath.Join(dir, "profile_export_aiperf.json"))
	if res := runSonde(t, "summarize", dir); res.code != 0 {
		t.Fatalf("summarize: exit %d: %s", res.code, res.stderr)
	}
	rebuilt := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	for _, tag := range []string{"total_inputs", "input_throughput", "input_token_throughput", "request_latency"} {
		if a, b := stat(t, orig, tag, "avg"), stat(t, rebuilt, tag, "avg"); math.Abs(a-b) > 1e-9*math.Max(1, a) {
			t.Errorf("summarize: %s %v, the run wrote %v", tag, b, a)
		}
	}
	if _, has := rebuilt["output_token_throughput"]; has {
		t.Error("summarize: output token throughput for embeddings")
	}
}

// checkHistory: every second turn's body repeats the first turn's answer,
// as the server sent it.
func checkHistory(t *testing.T, name string, rs []simRecord) {
	t.Helper()
	first := map[string]simRecord{}
	checked := 0
	for _, r := range rs {
		prev, ok := first[r.CorrelationID]
		if !ok {
			first[r.CorrelationID] = r
			continue
		}
		checked++
		answer, _ := json.Marshal(prev.Response)
		if !strings.Contains(string(r.Body), strings.Trim(string(answer), `"`)) {
			t.Errorf("%s: the second turn does not carry the first answer %q: %s", name, prev.Response, r.Body)
		}
	}
	if checked == 0 {
		t.Errorf("%s: no conversation had a second turn", name)
	}
}

// TestResponsesServerSideHistory: with --use-previous-response-id a later
// turn sends only its new message and the previous answer's id; the server
// rebuilds the conversation, so its prompt tokens still equal sonde's count
// of the whole history.
func TestResponsesServerSideHistory(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	dir := t.TempDir()
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--artifact-dir", dir, "--ui-type", "none", "--no-server-metrics",
		"--endpoint-type", "responses", "--streaming", "--use-previous-response-id", "--use-server-token-count",
		"--conversation-num", "2", "--conversation-turn-mean", "3", "--isl", "16", "--osl", "5", "--extra-inputs", "ignore_eos:true",
		"--shared-system-prompt-length", "6")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
	if n := stat(t, s, "request_count", "avg"); n != 6 {
		t.Fatalf("request_count %v, want 6", n)
	}
	if lo, hi := stat(t, s, "usage_prompt_tokens_diff_pct", "min"), stat(t, s, "usage_prompt_tokens_diff_pct", "max"); lo != 0 || hi != 0 {
		t.Errorf("server prompt tokens differ from sonde's count of the history by %v..%v %%", lo, hi)
	}
	chained := 0
	for _, r := range sim.stop(t) {
		var body struct {
			Input        []json.RawMessage `json:"input"`
			PreviousID   string            `json:"previous_response_id"`
			Instructions string            `json:"instructions"`
		}
		json.Unmarshal(r.Body, &body)
		if body.Instructions == "" {
			t.Errorf("a turn without its instructions: %s", r.Body)
		}
		if body.PreviousID != "" {
			chained++
			if len(body.Input) != 1 {
				t.Errorf("a chained turn resent %d items: %s", len(body.Input), r.Body)
			}
		}
	}
	if chained != 4 {
		t.Errorf("%d turns chained with previous_response_id, want 4 (turns 2 and 3 of 2 conversations)", chained)
	}
}

// TestRankingsFromFile: a single_turn file names its query and passages.
func TestRankingsFromFile(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms")
	dir := t.TempDir()
	file := write(t, dir, "rank.jsonl",
		`{"texts": [{"name": "query", "contents": ["what is a sonde"]}, {"name": "passages", "contents": ["a probe", "a balloon", "a weather instrument"]}]}`+"\n")
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--artifact-dir", filepath.Join(dir, "out"), "--ui-type", "none",
		"--no-server-metrics", "--endpoint-type", "cohere_rankings", "--input-file", file, "--custom-dataset-type", "single_turn")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	recs := sim.stop(t)
	if len(recs) != 1 {
		t.Fatalf("%d requests, want 1", len(recs))
	}
	var body struct {
		Query     string   `json:"query"`
		Documents []string `json:"documents"`
	}
	json.Unmarshal(recs[0].Body, &body)
	if body.Query != "what is a sonde" || strings.Join(body.Documents, "|") != "a probe|a balloon|a weather instrument" {
		t.Errorf("body %s", recs[0].Body)
	}
	s := readJSON(t, filepath.Join(dir, "out", "profile_export_aiperf.json"))
	if n := stat(t, s, "total_inputs", "avg"); n != 3 {
		t.Errorf("total_inputs %v, want 3", n)
	}
}

// TestEndpointBadInput: what a template endpoint needs, and what does not
// apply, is said before anything is sent.
func TestEndpointBadInput(t *testing.T) {
	sim := startSim(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--endpoint-type", "template"}, "payload_template"},
		{[]string{"--endpoint-type", "template", "--extra-inputs", `payload_template:{"text": {{ text }}}`}, "did not render a JSON object"},
		{[]string{"--endpoint-type", "template", "--extra-inputs", `payload_template:{"t": {{ text|tojson }}}`, "--extra-inputs", "response_field:a[x]"}, "response_field"},
		{[]string{"--endpoint-type", "template", "--extra-inputs", "payload_template:/no/such/file.json"}, "payload_template"},
		{[]string{"--endpoint-type", "chat", "-b", "2"}, "--prompt-batch-size"},
		{[]string{"--endpoint-type", "completions", "--use-previous-response-id"}, "--use-previous-response-id"},
		{[]string{"--endpoint-type", "text_to_speech"}, "--endpoint-type"},
	} {
		res := runSonde(t, append([]string{"profile", "-m", "m", "--url", sim.addr, "--artifact-dir", t.TempDir(), "--ui-type", "none",
			"--request-count", "2"}, c.args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d, want 2 naming %q\n%s", c.args, res.code, c.want, res.stderr)
		}
	}
	if recs := sim.stop(t); len(recs) != 0 {
		t.Errorf("bad input sent %d requests", len(recs))
	}
}

// TestFlagsThatDoNotApply are ignored with a warning, not refused.
func TestFlagsThatDoNotApply(t *testing.T) {
	sim := startSim(t)
	res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--artifact-dir", t.TempDir(), "--ui-type", "none", "--no-server-metrics",
		"--request-count", "2", "--endpoint-type", "nim_embeddings", "--streaming", "--osl", "9", "--use-legacy-max-tokens")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	for _, w := range []string{"--streaming ignored", "--osl ignored", "--use-legacy-max-tokens ignored"} {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("no warning %q:\n%s", w, res.stderr)
		}
	}
	for _, r := range sim.stop(t) {
		if strings.Contains(string(r.Body), "max_tokens") || strings.Contains(string(r.Body), "stream") {
			t.Errorf("an ignored flag reached the body: %s", r.Body)
		}
	}
}

// TestInferenceProbeSpeaksTheAPI: --wait-for-model-mode inference sends a
// one-token request in the endpoint's own shape, with its headers.
func TestInferenceProbeSpeaksTheAPI(t *testing.T) {
	sim := startSim(t, "--api-key", "k")
	for _, typ := range []string{"messages", "responses", "huggingface_generate", "embeddings", "hf_tei_rankings"} {
		res := runSonde(t, "profile", "-m", "m", "--url", sim.addr, "--artifact-dir", t.TempDir(), "--ui-type", "none", "--no-server-metrics",
			"--request-count", "1", "--osl", "2", "--endpoint-type", typ, "--api-key", "k",
			"--wait-for-model-mode", "inference", "--wait-for-model-timeout", "20", "--wait-for-model-interval", "0.05")
		if res.code != 0 || strings.Contains(res.stderr, "not ready") {
			t.Errorf("%s: exit %d\n%s", typ, res.code, res.stderr)
		}
	}
	for _, r := range sim.stop(t) {
		if r.Status != 200 {
			t.Errorf("%s answered %d: %s", r.Path, r.Status, r.Body)
		}
	}
}
