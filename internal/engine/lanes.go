package engine

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
)

// Lane is a trajectory under way in an agentic replay: conversation Conv
// of the phase's list, resumed at turn Next (and sent up to, not
// including, turn End; 0: to its end), Delay after the phase starts.
type Lane struct {
	Conv, Next, End int
	Delay           time.Duration
}

// TurnDelay as a Lane's Delay waits the resumed turn's own think time:
// the recorded gap after the point the trajectory stopped at.
const TurnDelay time.Duration = -1

// Lanes hands trajectories from one phase of an agentic replay to the
// next: a phase's new sessions take its lanes first, in order, before
// drawing conversations from the sampler; a session its phase stopped
// before its end hands its trajectory back, and the next phase to run
// takes it. Safe for concurrent use.
type Lanes struct {
	mu     sync.Mutex
	queue  []Lane
	handed []Lane
}

// NewLanes returns the lanes a replay starts from.
func NewLanes(start []Lane) *Lanes { return &Lanes{queue: slices.Clone(start)} }

// begin starts a phase: the lanes handed back by the one before join the
// queue (sorted, so that the same set resumes in the same order).
func (l *Lanes) begin() {
	l.mu.Lock()
	defer l.mu.Unlock()
	slices.SortFunc(l.handed, func(a, b Lane) int { return cmp.Or(cmp.Compare(a.Conv, b.Conv), cmp.Compare(a.Next, b.Next)) })
	l.queue, l.handed = append(l.queue, l.handed...), nil
}

// take returns the next lane, if any is left.
func (l *Lanes) take() (Lane, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		return Lane{}, false
	}
	ln := l.queue[0]
	l.queue = l.queue[1:]
	return ln, true
}

// hand keeps a stopped trajectory for the next phase.
func (l *Lanes) hand(ln Lane) {
	l.mu.Lock()
	l.handed = append(l.handed, ln)
	l.mu.Unlock()
}

// Pending returns the lanes waiting for the next phase (handed back or
// never taken); for tests and the log.
func (l *Lanes) Pending() []Lane {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(slices.Clone(l.queue), l.handed...)
}

// resumed is the part of conversation c a lane sends: its turns from Next
// (to End), the rest of the conversation as it is.
func resumed(c *dataset.Conversation, ln Lane) *dataset.Conversation {
	r := *c
	end := len(c.Turns)
	if ln.End > 0 {
		end = min(ln.End, end)
	}
	r.Turns = c.Turns[min(ln.Next, end):end]
	return &r
}
