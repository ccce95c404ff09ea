package dataset

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// ReplayTiming are the wall-clock knobs of a file's replay, applied after
// it is read: which sessions are kept, how fast the recorded times run,
// and how long the replay may wait for nothing.
type ReplayTiming struct {
	// SampleRatio keeps this fraction of the sessions, whole; 0 keeps all.
	SampleRatio float64
	// Speedup divides timestamps and delays; 0 or 1 is real time.
	Speedup float64
	// DelayCap clamps each turn's delay (replay time); nil: no cap.
	DelayCap *time.Duration
	// IdleGapCapMs collapses any gap between consecutive timestamps,
	// across all sessions, to at most this many ms of replay time; 0: none.
	IdleGapCapMs float64
}

// ReplayReport says what the replay knobs changed, for the log.
type ReplayReport struct {
	Kept, Sessions int // sessions kept of those read
	ClampedDelays  int // delays cut to the cap
	CollapsedGaps  int // idle gaps cut to the cap
}

// ApplyReplay applies t to convs (in place where it can): sampling
// first, then the speedup, then the caps, which are in replay time.
func ApplyReplay(convs []Conversation, t ReplayTiming, seed uint64) ([]Conversation, ReplayReport, error) {
	rep := ReplayReport{Sessions: len(convs)}
	if t.SampleRatio > 0 && t.SampleRatio < 1 {
		convs = sampleSessions(convs, t.SampleRatio, seed)
		if len(convs) == 0 {
			return nil, rep, fmt.Errorf("--trace-session-sample-ratio %g keeps none of the %d sessions", t.SampleRatio, rep.Sessions)
		}
	}
	rep.Kept = len(convs)
	if t.Speedup > 0 && t.Speedup != 1 {
		for i := range convs {
			for k := range convs[i].Turns {
				turn := &convs[i].Turns[k]
				turn.Timestamp /= t.Speedup
				turn.Delay = time.Duration(float64(turn.Delay) / t.Speedup)
			}
		}
	}
	if t.DelayCap != nil {
		for i := range convs {
			for k := range convs[i].Turns {
				if d := &convs[i].Turns[k].Delay; *d > *t.DelayCap {
					*d = *t.DelayCap
					rep.ClampedDelays++
				}
			}
		}
	}
	if t.IdleGapCapMs > 0 {
		rep.CollapsedGaps = capIdleGaps(convs, t.IdleGapCapMs)
	}
	return convs, rep, nil
}

// sampleSessions keeps round(ratio·n) sessions (at least one), chosen by
// the seed, in their order.
func sampleSessions(convs []Conversation, ratio float64, seed uint64) []Conversation {
	n := max(int(math.Round(ratio*float64(len(convs)))), 1)
	idx := NewRand(seed, StreamTraceSample).Perm(len(convs))[:n]
	slices.Sort(idx)
	kept := make([]Conversation, 0, n)
	for _, i := range idx {
		kept = append(kept, convs[i])
	}
	return kept
}

// capIdleGaps moves every timestamp so that no gap between two
// consecutive ones (over all turns) exceeds capMs; order and the shorter
// gaps are kept. It returns how many gaps it cut.
func capIdleGaps(convs []Conversation, capMs float64) int {
	var times []float64
	for i := range convs {
		for _, t := range convs[i].Turns {
			if t.HasTimestamp {
				times = append(times, t.Timestamp)
			}
		}
	}
	if len(times) < 2 {
		return 0
	}
	slices.Sort(times)
	times = slices.Compact(times)
	moved := make([]float64, len(times))
	moved[0] = times[0]
	cut := 0
	for i := 1; i < len(times); i++ {
		gap := times[i] - times[i-1]
		if gap > capMs {
			gap = capMs
			cut++
		}
		moved[i] = moved[i-1] + gap
	}
	for i := range convs {
		for k := range convs[i].Turns {
			t := &convs[i].Turns[k]
			if t.HasTimestamp {
				t.Timestamp = moved[sort.SearchFloat64s(times, t.Timestamp)]
			}
		}
	}
	return cut
}
