package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// --endpoint-type solido_rag: AIPerf's SOLIDO payload (the turn's texts as
// the query, SOLIDO's filters, the inference model), each turn of a
// conversation on its own; the answer's text is the output, streamed or
// whole; --osl is ignored (the API has no output-length field).
func TestSolidoRAG(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "200us")
	base := []string{"profile", "-m", "rag-model", "--tokenizer", "builtin", "--endpoint-type", "solido_rag", "--url", sim.addr, "--conversation-num", "2",
		"--conversation-turn-mean", "2", "--conversation-turn-stddev", "0", "--isl", "12", "--osl", "6", "--concurrency", "2", "--ui-type", "none"}
	for _, c := range []struct {
		args   []string
		stream bool
	}{{nil, false}, {[]string{"--streaming", "--extra-inputs", "stream:true"}, true}} {
		dir := filepath.Join(t.TempDir(), "out")
		res := runSonde(t, append(append(base, "--artifact-dir", dir), c.args...)...)
		if res.code != 0 || !strings.Contains(res.stderr, "--osl ignored: --endpoint-type solido_rag has no output-length field") {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		s := readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
		if stat(t, s, "request_count", "avg") != 4 || stat(t, s, "output_sequence_length", "avg") <= 0 || stat(t, s, "input_sequence_length", "avg") != 12 {
			t.Errorf("stream %v: %v requests, OSL %v, ISL %v (each turn alone: 12)", c.stream, s["request_count"], s["output_sequence_length"], s["input_sequence_length"])
		}
		if _, ttft := s["time_to_first_token"]; ttft != c.stream {
			t.Errorf("stream %v: TTFT present %v", c.stream, ttft)
		}
	}
	recs := sim.stop(t)
	if len(recs) != 8 {
		t.Fatalf("%d requests", len(recs))
	}
	for _, r := range recs {
		var body struct {
			Query          []string          `json:"query"`
			Filters        map[string]string `json:"filters"`
			InferenceModel string            `json:"inference_model"`
			Messages       any               `json:"messages"`
			MaxTokens      any               `json:"max_tokens"`
		}
		json.Unmarshal(r.Body, &body)
		if r.Path != "/rag/api/prompt" || len(body.Query) != 1 || body.InferenceModel != "rag-model" || body.Filters["family"] != "Solido" || body.Filters["tool"] != "SDE" ||
			body.Messages != nil || body.MaxTokens != nil {
			t.Errorf("%s %s", r.Path, r.Body)
		}
		for _, other := range recs { // no history: no query repeats an answer
			if len(other.Response) > 10 && strings.Contains(body.Query[0], other.Response) {
				t.Errorf("a query carries an earlier answer: %s", r.Body)
			}
		}
	}
}
