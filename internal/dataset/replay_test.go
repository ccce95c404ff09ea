package dataset

import (
	"slices"
	"testing"
	"time"
)

func timed(ts ...float64) []Conversation {
	var convs []Conversation
	for i, x := range ts {
		convs = append(convs, Conversation{ID: string(rune('a' + i)), Turns: []Turn{{Timestamp: x, HasTimestamp: true}, {Delay: time.Duration(x) * time.Millisecond}}})
	}
	return convs
}

func TestApplyReplaySpeedupAndCaps(t *testing.T) {
	capd := 3 * time.Second
	convs, rep, err := ApplyReplay(timed(0, 1000, 61000, 62000, 200000), ReplayTiming{Speedup: 2, DelayCap: &capd, IdleGapCapMs: 5000}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, c := range convs {
		got = append(got, c.Turns[0].Timestamp)
	}
	// After /2: 0, 500, 30500, 31000, 100000; gaps over 5 s become 5 s.
	if want := []float64{0, 500, 5500, 6000, 11000}; !slices.Equal(got, want) {
		t.Fatalf("timestamps %v, want %v", got, want)
	}
	if convs[1].Turns[1].Delay != 500*time.Millisecond || convs[4].Turns[1].Delay != capd {
		t.Fatalf("delays: %v %v", convs[1].Turns[1].Delay, convs[4].Turns[1].Delay)
	}
	if rep.CollapsedGaps != 2 || rep.ClampedDelays != 3 || rep.Kept != 5 {
		t.Fatalf("%+v", rep)
	}
}

func TestApplyReplaySampling(t *testing.T) {
	pick := func(seed uint64) []string {
		convs, rep, err := ApplyReplay(timed(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), ReplayTiming{SampleRatio: 0.3}, seed)
		if err != nil || rep.Kept != 3 || rep.Sessions != 10 {
			t.Fatalf("%+v %v", rep, err)
		}
		var ids []string
		for _, c := range convs {
			ids = append(ids, c.ID)
			if len(c.Turns) != 2 {
				t.Fatal("sessions are kept whole")
			}
		}
		if !slices.IsSorted(ids) {
			t.Fatalf("order kept: %v", ids)
		}
		return ids
	}
	if a, b := pick(7), pick(7); !slices.Equal(a, b) {
		t.Fatalf("the same seed keeps the same sessions: %v %v", a, b)
	}
	convs, _, _ := ApplyReplay(timed(0, 1, 2), ReplayTiming{SampleRatio: 0.01}, 1)
	if len(convs) != 1 {
		t.Fatal("at least one session is kept")
	}
}
