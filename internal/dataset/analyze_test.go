package dataset

import (
	"math"
	"strings"
	"testing"
)

func TestAnalyzeCacheAndRates(t *testing.T) {
	tok := builtin(t)
	p := strings.Repeat(" word", 40)
	a, b := p+" one more thing", p+" two"
	ea, eb := tok.Encode(a), tok.Encode(b)
	common := 0
	for common < min(len(ea), len(eb)) && ea[common] == eb[common] {
		common++
	}
	const B = 8
	convs := []Conversation{
		{ID: "a", Turns: []Turn{{Text: a, Timestamp: 0, HasTimestamp: true, MaxTokens: 4}}},
		{ID: "b", Turns: []Turn{{Text: b, Timestamp: 2000, HasTimestamp: true, MaxTokens: 6}}},
	}
	got := Analyze(convs, tok, B)
	total := len(ea)/B + len(eb)/B
	if want := float64(min(common/B, len(eb)/B)) / float64(total); math.Abs(got.CacheHitRate-want) > 1e-12 {
		t.Errorf("cache hit rate %v, want %v (%d common tokens)", got.CacheHitRate, want, common)
	}
	if got.Sessions != 2 || got.Requests != 2 || got.PrefixReuseRatio != 0.5 || got.UniqueFirstBlocks != 1 {
		t.Errorf("%+v", got)
	}
	if got.DurationS != 2 || got.RequestRate != 1 || got.OSL.Max != 6 || got.OSL.Mean != 5 || got.ISL.Max != float64(max(len(ea), len(eb))) {
		t.Errorf("%+v", got)
	}
}

// A multi-turn session resends its history: turn 2's ISL is turn 1's
// prompt, its answer (of the requested length) and turn 2; its cache
// serves every full block of turn 1's prompt. A fork goes on from its
// parent's history, a spawn from nothing.
func TestAnalyzeHistoryAndSubAgents(t *testing.T) {
	tok := builtin(t)
	t1, t2 := strings.Repeat(" apple", 20), " pear"
	n1, n2 := len(tok.Encode(t1)), len(tok.Encode(t2))
	fork := &Conversation{ID: "f", Turns: []Turn{{Text: t2}}}
	spawn := &Conversation{ID: "s", Turns: []Turn{{Text: t2}}}
	convs := []Conversation{{ID: "a", Turns: []Turn{{Text: t1, MaxTokens: 3, Spawns: []*Conversation{spawn}}, {Text: t2, MaxTokens: 2, Forks: []*Conversation{fork}}}}}
	got := Analyze(convs, tok, 4)
	if got.Sessions != 3 || got.SubAgentSessions != 2 || got.Requests != 4 {
		t.Fatalf("%+v", got)
	}
	if want := float64(n1 + 3 + n2 + 2 + n2); got.ISL.Max != want {
		t.Errorf("the fork's ISL %v, want %v (the parent's history, its answers, its own)", got.ISL.Max, want)
	}
	if got.ISL.Min != float64(n2) {
		t.Errorf("the spawn starts from nothing: min ISL %v, want %d", got.ISL.Min, n2)
	}
	if want := float64(n1+3+n2) / float64(n1); math.Abs(got.ContextGrowth-want) > 1e-9 {
		t.Errorf("context growth %v, want %v", got.ContextGrowth, want)
	}
	if got.CacheHitRate <= 0 {
		t.Error("the second turn's history is served by the cache")
	}
}
