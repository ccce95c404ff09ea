// Package proc is sonde's care of its own process: the garbage
// collector's target, tuned to the live heap, and the CPU, heap and trace
// profiles that measure sonde itself (docs/PERFORMANCE.md).
package proc

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// GCPercent is the collector's target unless GOGC says otherwise: every
// open stream's buffers are live heap, and the default 100 % let the heap
// reach twice that before a collection (27–28 KB of RSS per open stream
// against 24 KB at 70 %, with no CPU cost that stood out of the noise:
// docs/PERFORMANCE.md).
const GCPercent = 70

// HeapHeadroom is the least the heap may grow between collections. A paced
// run at a high rate has a small live heap (15–20 MB) and allocates fast:
// at 70 % it was collected eight times a second at 20,000/s, each time
// scanning the stacks of every request goroutine. With the headroom
// (GOGC about 300 there) the client used 10 % less CPU per request and held
// the rate in more runs; a large heap (thousands of open streams) keeps
// GCPercent, so its memory per stream does not change.
const HeapHeadroom = 48 << 20

// maxGCPercent bounds the target a tiny live heap would give.
const maxGCPercent = 1000

// gcTarget is the GOGC that lets a heap of live bytes grow by at least
// headroom before the next collection, and never less than base.
func gcTarget(base int, live, headroom uint64) int {
	if live == 0 {
		return base
	}
	p := (headroom*100 + live - 1) / live
	return max(base, int(min(p, maxGCPercent)))
}

// sentinel is an object whose collection marks the end of a GC cycle (it
// holds a pointer so that it is never batched with other tiny objects).
type sentinel struct{ _ *byte }

// TuneGC sets the collector's target to base and, after every collection,
// to gcTarget of the live heap it left. stop ends the tuning (the target
// stays as last set).
func TuneGC(base int, headroom uint64) (stop func()) {
	var stopped atomic.Bool
	var current atomic.Int64
	current.Store(int64(base))
	debug.SetGCPercent(base)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		runtime.AddCleanup(new(sentinel), func(struct{}) {
			if stopped.Load() {
				return
			}
			metrics.Read(sample)
			if p := gcTarget(base, sample[0].Value.Uint64(), headroom); int64(p) != current.Load() {
				current.Store(int64(p))
				debug.SetGCPercent(p)
			}
			arm()
		}, struct{}{})
	}
	arm()
	return func() { stopped.Store(true) }
}
