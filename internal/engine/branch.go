package engine

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/sonde-bench/sonde/internal/dataset"
)

// childBase numbers a DAG's sub-agent sessions apart from the sessions
// the run starts (whose numbers are the plan's); the shard index keeps
// shards' numbers apart too.
const childBase = 1 << 40

// branch starts the sessions a turn forks and spawns, all at once, once
// its answer is in, and waits for them: a forked session carries on from
// this history (with the answer), a spawned one starts its own; the
// parent's next turn (a join) or its end follows the last of them. They
// hold no slot of their own: the parent's is theirs, so at a fork the
// requests in flight may exceed --concurrency (as in AIPerf). It returns
// when the last of them ended, the time the parent's next turn runs from.
func (s *session) branch(issue, run context.Context, turn *dataset.Turn, prevEnd int64) int64 {
	children := make([]*session, 0, len(turn.Forks)+len(turn.Spawns))
	for _, c := range turn.Forks {
		children = append(children, s.child(c, true))
	}
	for _, c := range turn.Spawns {
		children = append(children, s.child(c, false))
	}
	ends := make([]int64, len(children))
	var wg sync.WaitGroup
	for i, child := range children {
		wg.Go(func() {
			child.startDelay = TurnDelay // its first turn's own think time
			_, ends[i] = child.run(issue, run, nil, s.e.clock.Now())
		})
	}
	wg.Wait()
	return max(prevEnd, slices.Max(ends))
}

// child is the session of a sub-agent conversation: its numbers and ids
// drawn from the parent's, so a seed gives the same tree.
func (s *session) child(conv *dataset.Conversation, fork bool) *session {
	num := childBase + s.e.cfg.ShardIndex<<32 + int(s.e.children.Add(1))
	c := &session{e: s.e, num: num, conv: conv, client: s.e.client,
		r:     rand.New(rand.NewPCG(s.r.Uint64(), s.r.Uint64())),
		ids:   rand.New(rand.NewPCG(s.ids.Uint64(), s.ids.Uint64())),
		depth: s.depth + 1, parentCorr: s.corrID, lane: -1}
	c.corrID = dataset.UUID4(c.ids)
	if s.e.cfg.Reuse == ReuseSticky {
		c.client = s.e.client.NewSticky()
	}
	if fork {
		c.history = slices.Clone(s.history)
		c.forkParent = s.num + 1
		c.pending = s.pending // the fork answers its parent's last tool calls
	}
	return c
}
