package twin

import (
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/sim"
)

// testTwin is a small engine with round costs, so times can be computed
// by hand.
func testTwin() *sim.Twin {
	return &sim.Twin{Kind: sim.TwinKind,
		Engine: sim.TwinEngine{MaxNumSeqs: 4, MaxNumBatchedTokens: 1024, BlockSize: 16, KVCacheTokens: 1 << 16, PrefixCaching: true},
		Costs:  sim.TwinCosts{StepBaseUs: 1000, PrefillTokenUs: 10, DecodeSeqUs: 100, KContextUs: 0, OverheadUs: 500}}
}

func burst(conc int, sessions []Session) *Workload {
	return &Workload{Sessions: sessions, Order: &Memo[int]{Next: seqOrder()}, Concurrency: conc, MaxSessions: len(sessions)}
}

func seqOrder() func() int {
	n := -1
	return func() int { n++; return n }
}

// One request alone: it reaches the scheduler after the overhead, its
// prompt fills one step, and every later token takes one decode step.
func TestOneRequestExactTimes(t *testing.T) {
	reqs := Simulate(testTwin(), []*Workload{burst(1, []Session{{Turns: []Turn{{User: 100, Output: 3}}}})}, 1)
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	want := []time.Duration{500*time.Microsecond + 2*time.Millisecond, 3600 * time.Microsecond, 4700 * time.Microsecond}
	if len(r.Tokens) != 3 || r.Tokens[0] != want[0] || r.Tokens[1] != want[1] || r.Tokens[2] != want[2] {
		t.Fatalf("tokens at %v, want %v", r.Tokens, want)
	}
	if r.Input != 100 || r.Output != 3 || r.Cached != 0 {
		t.Fatalf("%+v", r)
	}
}

// A second turn resends the first turn and its answer: the prefix cache
// serves their whole blocks, and the session keeps its slot between turns.
func TestSecondTurnHitsThePrefixCache(t *testing.T) {
	s := Session{Turns: []Turn{{User: 100, Output: 28}, {User: 50, Output: 2, Delay: time.Second}}}
	reqs := Simulate(testTwin(), []*Workload{burst(1, []Session{s})}, 1)
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	second := reqs[1]
	if second.Input != 178 || second.Cached != 128 { // 100 + 28 tokens: 8 whole blocks
		t.Fatalf("input %d cached %d", second.Input, second.Cached)
	}
	if second.Sent != reqs[0].End()+time.Second {
		t.Fatalf("second turn sent at %v, first ended at %v", second.Sent, reqs[0].End())
	}
}
