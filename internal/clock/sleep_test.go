package clock

import (
	"context"
	"testing"
	"time"
)

func TestSleepUntil(t *testing.T) {
	ctx := context.Background()
	target := time.Now().Add(3 * time.Millisecond)
	if !SleepUntil(ctx, target) || time.Now().Before(target) {
		t.Fatal("woke before the target")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if SleepUntil(cancelled, time.Now().Add(time.Hour)) {
		t.Fatal("a cancelled context must end the wait")
	}
}

// BenchmarkSleepLateness reports how late SleepUntil wakes, on average.
func BenchmarkSleepLateness(b *testing.B) {
	var late time.Duration
	for b.Loop() {
		target := time.Now().Add(5 * time.Millisecond)
		SleepUntil(context.Background(), target)
		late += time.Since(target)
	}
	b.ReportMetric(float64(late.Microseconds())/float64(b.N), "µs-late")
}
