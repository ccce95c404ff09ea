package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/record"
)

// trajectories are n conversations of 6 turns, no think time but before
// turn 2 (an hour: only a phase's end gets past it).
func trajectories(t *testing.T, n int) []dataset.Conversation {
	convs := conversations(t, n, 6)
	for i := range convs {
		for k := range convs[i].Turns {
			convs[i].Turns[k].Delay = 0
		}
		convs[i].Turns[2].Delay = time.Hour
	}
	return convs
}

// turnsOf lists each conversation's turn indices as sent, in order.
func turnsOf(recs []*sessionRecord) map[string][]int {
	got := map[string][]int{}
	for _, r := range recs {
		got[r.conv] = append(got[r.conv], r.turn)
	}
	for _, v := range got {
		slices.Sort(v)
	}
	return got
}

type sessionRecord struct {
	conv string
	turn int
}

// An agentic replay's phases hand their trajectories on: lanes are taken
// before the sampler's draws, resumed where they stopped, their turn
// indices the trajectory's own; a phase that ends hands back every
// trajectory it stopped, and the next resumes them (at once with
// LanesAtOnce, whatever the think time).
func TestLanesHandTrajectoriesOn(t *testing.T) {
	srv := newFastServer(t)
	convs := trajectories(t, 3)
	lanes := NewLanes([]Lane{{Conv: 0, Next: 1}, {Conv: 1, Next: 0}})
	ctx := context.Background()
	first := Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", 3, nil), URLs: []string{srv.URL},
		Concurrency: 2, Lanes: lanes, Duration: 300 * time.Millisecond}
	recs, unsent := phase(t, first, nil, ctx, ctx)
	got := turnsOf(collect(recs))
	if want := map[string][]int{convs[0].ID: {1}, convs[1].ID: {0, 1}}; !equalTurns(got, want) {
		t.Fatalf("first phase sent %v, want %v", got, want)
	}
	if unsent[UnsentDuration] != 8 { // 4 + 4 turns stopped by the duration
		t.Fatalf("unsent %v", unsent)
	}
	want := []Lane{{Conv: 0, Next: 2, End: 6, Delay: TurnDelay}, {Conv: 1, Next: 2, End: 6, Delay: TurnDelay}}
	if p := lanes.Pending(); !slices.Equal(sortedLanes(p), want) {
		t.Fatalf("handed back %v, want %v", p, want)
	}
	next := first
	next.Duration, next.MaxSessions, next.LanesAtOnce = 0, 2, true
	recs, _ = phase(t, next, nil, ctx, ctx)
	got = turnsOf(collect(recs))
	if want := map[string][]int{convs[0].ID: {2, 3, 4, 5}, convs[1].ID: {2, 3, 4, 5}}; !equalTurns(got, want) {
		t.Fatalf("the next phase sent %v, want %v", got, want)
	}
	if p := lanes.Pending(); len(p) != 0 {
		t.Fatalf("lanes left: %v", p)
	}
}

// A lane's delay, and a lane cut short (End): the warm-up of a snapshot.
func TestLaneDelayAndEnd(t *testing.T) {
	srv := newFastServer(t)
	convs := trajectories(t, 2)
	ctx := context.Background()
	clk := &fakeClock{}
	recs, _ := phase(t, Config{Conversations: convs, Sampler: dataset.NewSampler("sequential", 2, nil), URLs: []string{srv.URL},
		Concurrency: 2, MaxSessions: 2, Lanes: NewLanes([]Lane{{Conv: 0, Next: 3, End: 4, Delay: 40 * time.Millisecond}, {Conv: 1, Next: 4, End: 5}})}, clk, ctx, ctx)
	if len(recs) != 2 {
		t.Fatalf("%d records, want one per lane", len(recs))
	}
	for _, r := range recs {
		want := map[string]int{convs[0].ID: 3, convs[1].ID: 4}[r.ConversationID]
		if r.TurnIndex != want {
			t.Fatalf("%s sent turn %d, want %d", r.ConversationID, r.TurnIndex, want)
		}
		if r.ConversationID == convs[0].ID && r.IntendedNs < int64(40*time.Millisecond) {
			t.Fatalf("the delayed lane was due at %d ns", r.IntendedNs)
		}
	}
}

func collect(recs []*record.Record) []*sessionRecord {
	out := make([]*sessionRecord, 0, len(recs))
	for _, r := range recs {
		out = append(out, &sessionRecord{conv: r.ConversationID, turn: r.TurnIndex})
	}
	return out
}

func equalTurns(a, b map[string][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func sortedLanes(l []Lane) []Lane {
	l = slices.Clone(l)
	slices.SortFunc(l, func(a, b Lane) int { return a.Conv - b.Conv })
	return l
}
