package plan

import (
	"fmt"
	"math"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/record"
)

// The agentic replay (AIPerf's AGENTIC_REPLAY timing): --concurrency
// lanes, each a closed loop over the trace's trajectories. A lane's first
// trajectory starts mid-way, at a start turn drawn from the window, so
// that the run measures a server in the middle of long sessions, not at
// their cold start:
//
//   - the snapshot warm-up sends every lane's start turn (its whole prompt
//     fills the prefix cache as the recorded session had), spread so that
//     every trajectory reaches the end of its start turn together: a lane
//     whose start turn took longer in the recording is sent earlier by
//     the difference (--burst-phase-starts: all at once); answers still
//     in flight --agentic-warmup-grace-period after the last send are cut;
//   - the cache warm-up (--agentic-cache-warmup-duration) carries the
//     trajectories on, with no think time and one-token answers, then
//     waits for its answers and hands each trajectory on where it stopped;
//   - profiling resumes every lane at the turn after, once that turn's
//     recorded think time has passed (--burst-phase-starts: at once); a
//     lane whose trajectory ends takes the next one from the sampler, from
//     its first turn.
//
// Every turn must carry its whole prompt (a trace's requests), since a
// trajectory resumed mid-way has no answers to build a history from.

// lane is one lane's first trajectory: the conversation, the warm-up
// turn (−1: none, a trajectory of one turn) and that turn's recorded
// span (its think time excluded).
type lane struct {
	conv, warm int
	span       time.Duration
}

// agenticLanes draws each lane's first trajectory from the sampler, in
// order, and its start in the window; seeded.
func (pl *Plan) agenticLanes() ([]lane, error) {
	if pl.concurrency < 1 {
		return nil, UsageError{fmt.Errorf("the agentic replay needs --concurrency lanes")}
	}
	for i := range pl.convs {
		if !pl.convs[i].Standalone {
			return nil, UsageError{fmt.Errorf("the agentic replay resumes trajectories mid-way, which needs requests that carry their whole prompt (weka_trace, bailian_trace, baseten_trace, raw_payload, SageMaker captures, Exgentic sessions): %s's conversation %q builds each turn on the answers before it",
				pl.p.InputFile, pl.convs[i].ID)}
		}
	}
	lo, hi := pl.p.TrajectoryWindow()
	r := dataset.NewRand(pl.seed, dataset.StreamSampler+200)
	lanes := make([]lane, pl.concurrency)
	for i := range lanes {
		c := pl.sampler.Next()
		lanes[i] = lane{conv: c, warm: startTurn(len(pl.convs[c].Turns), lo, hi, r.Float64())}
		if w := lanes[i].warm; w >= 0 {
			lanes[i].span = recordedSpan(pl.convs[c].Turns[w], pl.convs[c].Turns[w+1])
		}
	}
	return lanes, nil
}

// startTurn is the warm-up turn of a trajectory of n turns: drawn (u in
// [0, 1)) between ⌊lo·n⌋ and ⌊hi·n⌋, but at most n−2 so one turn is left
// to profile; −1 for a single turn.
func startTurn(n int, lo, hi, u float64) int {
	if n < 2 {
		return -1
	}
	top := min(int(math.Floor(hi*float64(n))), n-2)
	bottom := min(int(math.Floor(lo*float64(n))), top)
	return bottom + int(u*float64(top-bottom+1))
}

// recordedSpan is how long a recorded turn took: from its timestamp to the
// next turn's, less the think time before the next; 0 when the trace does
// not say.
func recordedSpan(t, next dataset.Turn) time.Duration {
	if !t.HasTimestamp || !next.HasTimestamp {
		return 0
	}
	us := math.Round((next.Timestamp - t.Timestamp) * 1000) // a trace's times are ms: no finer than µs
	return max(time.Duration(us)*time.Microsecond-next.Delay.Round(time.Microsecond), 0)
}

// agenticPhases sets the replay's warm-ups and its profiling lanes.
func (pl *Plan) agenticPhases() error {
	lanes, err := pl.agenticLanes()
	if err != nil {
		return err
	}
	p := pl.p
	var warm, resume []engine.Lane
	longest, last := time.Duration(0), time.Duration(0) // the longest span; the last send
	for _, l := range lanes {
		longest = max(longest, l.span)
	}
	for _, l := range lanes {
		resume = append(resume, engine.Lane{Conv: l.conv, Next: l.warm + 1, Delay: engine.TurnDelay})
		if l.warm >= 0 {
			warm = append(warm, engine.Lane{Conv: l.conv, Next: l.warm, End: l.warm + 1, Delay: longest - l.span})
			last = max(last, longest-l.span)
		}
	}
	if p.BurstPhaseStarts {
		last = 0
	}
	pl.lanes = engine.NewLanes(resume)
	if len(warm) > 0 {
		w := pl.base
		w.Phase, w.Lanes, w.LanesAtOnce, w.Concurrency, w.MaxSessions = record.PhaseWarmup, engine.NewLanes(warm), p.BurstPhaseStarts, len(warm), len(warm)
		w.Sampler = dataset.NewSampler("sequential", len(pl.convs), nil) // never drawn: the lanes are all it sends
		cut := time.Duration(-1)
		if g := p.AgenticWarmupGrace; g != nil {
			cut = last + seconds(*g)
		}
		pl.warmups = append(pl.warmups, Warmup{Name: "Warmup", Config: w, Cut: cut, Total: int64(len(warm)),
			Says: fmt.Sprintf("agentic replay: the start turn of each of %d lanes, %s", len(warm), spreadWords(last))})
	}
	if d := p.AgenticCacheWarmup; d != nil {
		c := pl.base
		c.Phase, c.Lanes, c.LanesAtOnce, c.Duration, c.SessionOffset = record.PhaseWarmup, pl.lanes, true, seconds(*d), 1<<29
		c.Conversations = hurried(pl.convs)
		pl.warmups = append(pl.warmups, Warmup{Name: "Cache warm-up", Config: c, Cut: -1,
			Says: fmt.Sprintf("agentic replay: the trajectories carried on for %v with no think time and one-token answers", c.Duration)})
	}
	return nil
}

// spreadWords says how the snapshot warm-up's sends are spread.
func spreadWords(last time.Duration) string {
	if last == 0 {
		return "sent together"
	}
	return fmt.Sprintf("spread over %v so that every trajectory reaches its start together", last)
}

// hurried is the conversations as the cache warm-up sends them: no think
// time, one-token answers (their sub-agents' too).
func hurried(convs []dataset.Conversation) []dataset.Conversation {
	out := make([]dataset.Conversation, len(convs))
	for i := range convs {
		out[i] = hurry(convs[i])
	}
	return out
}

func hurry(c dataset.Conversation) dataset.Conversation {
	c.Turns = append([]dataset.Turn(nil), c.Turns...)
	for k := range c.Turns {
		t := &c.Turns[k]
		t.Delay, t.MaxTokens = 0, 1
		t.Forks, t.Spawns = hurriedAll(t.Forks), hurriedAll(t.Spawns)
	}
	return c
}

func hurriedAll(cs []*dataset.Conversation) []*dataset.Conversation {
	if cs == nil {
		return nil
	}
	out := make([]*dataset.Conversation, len(cs))
	for i, c := range cs {
		h := hurry(*c)
		out[i] = &h
	}
	return out
}
