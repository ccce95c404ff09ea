package engine

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
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

// fakeStream hands out conversations, then reports err on Close.
type fakeStream struct {
	convs []dataset.Conversation
	err   error
}

func (f *fakeStream) Next() (*dataset.Conversation, bool) {
	if len(f.convs) == 0 {
		return nil, false
	}
	c := &f.convs[0]
	f.convs = f.convs[1:]
	return c, true
}

func (f *fakeStream) Close() error { return f.err }

// A fixed schedule read from a stream: each conversation at its time, in
// order, within the session budget; the error the stream ended on is the
// engine's input error.
func TestStreamedFixedSchedule(t *testing.T) {
	srv := newFastServer(t)
	convs := conversations(t, 5, 1)
	for i := range convs {
		convs[i].Turns[0].Timestamp, convs[i].Turns[0].HasTimestamp = float64(10*i), true
	}
	ctx := context.Background()
	bad := errors.New("trace.jsonl:6: bad")
	cfg := Config{Conversations: convs[:1], Sampler: dataset.NewSampler("sequential", 1, nil), URLs: []string{srv.URL}, Fixed: true, MaxSessions: 3,
		Stream: func() (Stream, error) { return &fakeStream{convs: convs, err: bad}, nil }}
	clk := &fakeClock{}
	rc := clock.New()
	out := make(chan *record.Record, 16)
	cfg.Codec, cfg.Header, cfg.Timeout, cfg.Phase = &endpoint.Codec{Type: endpoint.Chat, Stream: true}, http.Header{"Content-Type": {"application/json"}}, time.Minute, record.PhaseProfiling
	client := transport.NewClient(rc, 8)
	defer client.CloseIdle()
	var prog Progress
	e := New(cfg, client, clk, out, &prog)
	e.Run(ctx, ctx)
	close(out)
	var got []int64
	for r := range out {
		got = append(got, r.IntendedNs/1e6)
	}
	slices.Sort(got)
	if !slices.Equal(got, []int64{0, 10, 20}) || !errors.Is(e.InputErr(), bad) {
		t.Fatalf("sent at %v ms, input error %v", got, e.InputErr())
	}
}
