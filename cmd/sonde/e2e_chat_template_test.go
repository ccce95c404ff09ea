package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// islByTurn runs a seeded multi-turn run and returns each record's ISL by
// (session, turn).
func islByTurn(t *testing.T, addr string, extra ...string) (map[[2]int]float64, map[string]any) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	args := append([]string{"profile", "-m", "m", "--streaming", "--url", addr, "--conversation-num", "3", "--conversation-turn-mean", "2",
		"--isl", "40", "--osl", "6", "--concurrency", "1", "--random-seed", "3", "--ui-type", "none", "--artifact-dir", dir,
		"--tokenizer", "../../internal/tokenizer/testdata/tokenizers/qwen3"}, extra...)
	res := runSonde(t, args...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	out := map[[2]int]float64{}
	for _, l := range readJSONL(t, filepath.Join(dir, "profile_export.jsonl")) {
		out[[2]int{l.Metadata.SessionNum, l.Metadata.TurnIndex}] = l.Metrics["input_sequence_length"].Value.(float64)
	}
	return out, readJSON(t, filepath.Join(dir, "profile_export_aiperf.json"))
}

// --apply-chat-template counts ISL as the server prefills it: Qwen3's
// template wraps a lone user message in 8 tokens (<|im_start|>user\n …
// <|im_end|>\n<|im_start|>assistant\n), and a later turn also wraps the
// history's messages. The summary says which way ISL was counted.
func TestApplyChatTemplate(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	sim := startSim(t)
	plain, plainSum := islByTurn(t, sim.addr)
	templ, templSum := islByTurn(t, sim.addr, "--apply-chat-template")
	if len(plain) != 6 || len(templ) != 6 {
		t.Fatalf("records: %d and %d, want 6", len(plain), len(templ))
	}
	for k, n := range plain {
		switch {
		case k[1] == 0 && templ[k] != n+8:
			t.Errorf("session %d turn 0: ISL %v with the template, %v without; want 8 more", k[0], templ[k], n)
		case k[1] > 0 && templ[k] <= n+8:
			t.Errorf("session %d turn %d: ISL %v with the template, %v without; the history's wrapping is missing", k[0], k[1], templ[k], n)
		}
	}
	tokInfo := func(s map[string]any) map[string]any {
		return s["sonde"].(map[string]any)["tokenizer"].(map[string]any)
	}
	if got := tokInfo(plainSum)["isl_counting"]; got != "message_contents" {
		t.Errorf("isl_counting without the flag: %v", got)
	}
	if got := tokInfo(templSum); got["isl_counting"] != "chat_template" || !strings.HasSuffix(got["chat_template"].(string), "tokenizer_config.json") {
		t.Errorf("isl_counting with the flag: %v", got)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tokenizer", "builtin"}, "builtin tokenizer has no chat template"},
		{[]string{"--tokenizer", "../../internal/tokenizer/testdata/tokenizers/mistral"}, "no chat template"},
		{[]string{"--endpoint-type", "completions", "--tokenizer", "../../internal/tokenizer/testdata/tokenizers/qwen3"}, "--endpoint-type chat"},
	} {
		args := append([]string{"profile", "-m", "m", "--url", sim.addr, "--request-count", "1", "--ui-type", "none",
			"--artifact-dir", t.TempDir(), "--apply-chat-template"}, c.args...)
		if res := runSonde(t, args...); res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, res.code, res.stderr, c.want)
		}
	}
}
