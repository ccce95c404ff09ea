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

// The run clock: monotonic readings convert to wall and time.Time
// consistently, and Wait reaches its time, or returns early on a wake or a
// cancelled context.
func TestClockWait(t *testing.T) {
	c := New()
	a := c.Now()
	if c.Time(a).Sub(c.Time(0)) != time.Duration(a) || c.Wall(a)-c.Wall(0) != a {
		t.Fatal("conversions disagree")
	}
	target := c.Now() + int64(3*time.Millisecond)
	if !c.Wait(context.Background(), target, nil) || c.Now() < target {
		t.Fatal("woke before the target")
	}
	wake := make(chan struct{}, 1)
	wake <- struct{}{}
	if c.Wait(context.Background(), c.Now()+int64(time.Hour), wake) {
		t.Fatal("a wake-up must end the wait early")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c.Wait(ctx, c.Now()+int64(time.Hour), nil) {
		t.Fatal("a cancelled context must end the wait")
	}
}

// The process readings used for self-knowledge answer on this platform.
func TestProcessReadings(t *testing.T) {
	if OpenFileLimit() == 0 || ProcessCPU() <= 0 {
		t.Fatalf("limit %d cpu %d", OpenFileLimit(), ProcessCPU())
	}
}
