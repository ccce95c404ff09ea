//go:build race

package engine

// hangBound is how long a phase may take before a test calls it a hang:
// the race detector makes creating goroutines and growing their stacks
// tens of times slower (a 20,000/s phase behind an 8-slot cap queues a
// goroutine per due arrival: 0.2 s without it, 35 s with it here).
const hangBound = 4 * 60e9
