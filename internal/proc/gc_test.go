package proc

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCTarget(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 70},                 // nothing known yet
		{16 << 20, 300},         // a paced run's small heap: 48 MB of headroom
		{48 << 20, 100},         // the headroom is the live heap
		{200 << 20, 70},         // many open streams: the base
		{1 << 10, maxGCPercent}, // a tiny heap: bounded
		{69 << 20, 70},          // just below the base's own headroom
	} {
		if got := gcTarget(70, c.live, 48<<20); got != c.want {
			t.Errorf("gcTarget(70, %d, 48 MB) = %d, want %d", c.live, got, c.want)
		}
	}
}

// After a collection leaves a small live heap, the target is raised to
// keep the headroom; stop ends the tuning.
func TestTuneGCAfterEachCollection(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	stop := TuneGC(70, 1<<40) // a headroom no live heap matches: the bound
	defer stop()
	sample := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		runtime.GC()
		metrics.Read(sample)
		if sample[0].Value.Uint64() == maxGCPercent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d after collections, want %d", sample[0].Value.Uint64(), maxGCPercent)
		}
	}
	stop()
	debug.SetGCPercent(70)
	runtime.GC()
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if metrics.Read(sample); sample[0].Value.Uint64() != 70 {
		t.Fatalf("GOGC %d after stop, want it left alone (70)", sample[0].Value.Uint64())
	}
}
