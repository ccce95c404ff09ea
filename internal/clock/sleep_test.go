package clock

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSleepUntil(t *testing.T) {
	ctx := context.Background()
	for _, p := range []*Timers{nil, NewTimers(2)} {
		for range 20 { // the fine part on its own, and a timer used again
			target := time.Now().Add(FineWindow / 2)
			if !p.SleepUntil(ctx, target) || time.Now().Before(target) {
				t.Fatal("woke before the target")
			}
		}
		target := time.Now().Add(3 * time.Millisecond)
		if !p.SleepUntil(ctx, target) || time.Now().Before(target) {
			t.Fatal("woke before the target")
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if p.SleepUntil(cancelled, time.Now().Add(time.Hour)) {
			t.Fatal("a cancelled context must end the wait")
		}
		p.Close()
	}
}

// A goroutine waiting for its instant must not hold a core: it parks in the
// poller ("IO wait"), not in a system call, so on a one-core process the
// requests it paces still run.
func TestFineWaitFreesTheCore(t *testing.T) {
	ft := newFineTimer()
	if ft == nil {
		t.Skip("no fine timer on this system")
	}
	defer ft.close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		ft.sleepUntil(time.Now().Add(time.Hour))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		dump := string(buf[:runtime.Stack(buf, true)])
		for _, g := range strings.Split(dump, "\n\n") {
			if !strings.Contains(g, "sleepUntil") {
				continue
			}
			if strings.Contains(g, "[IO wait") {
				ft.f.SetReadDeadline(time.Now()) // end the wait
				<-done
				return
			}
			if strings.Contains(g, "[syscall") {
				t.Fatalf("the waiting goroutine holds a thread in a system call:\n%s", g)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the waiting goroutine never parked:\n%s", dump)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkSleepLateness reports how late SleepUntil wakes, on average, for
// a wait longer than FineWindow and for one inside it.
func BenchmarkSleepLateness(b *testing.B) {
	p := NewTimers(1)
	defer p.Close()
	for _, d := range []time.Duration{5 * time.Millisecond, FineWindow / 4} {
		b.Run(d.String(), func(b *testing.B) {
			var late time.Duration
			for b.Loop() {
				target := time.Now().Add(d)
				p.SleepUntil(context.Background(), target)
				late += time.Since(target)
			}
			b.ReportMetric(float64(late.Microseconds())/float64(b.N), "µs-late")
		})
	}
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

// A pool never holds more than its bound of timers (descriptors) at once:
// waits beyond it fall back to the runtime's timer, and all still end on
// time.
func TestTimersBounded(t *testing.T) {
	p := NewTimers(2)
	defer p.Close()
	var wg sync.WaitGroup
	var peak atomic.Int64
	for range 40 {
		wg.Go(func() {
			for range 5 {
				target := time.Now().Add(FineWindow / 2)
				p.SleepUntil(context.Background(), target)
				if time.Now().Before(target) {
					t.Error("woke before the target")
				}
				for n := p.live.Load(); n > peak.Load(); n = p.live.Load() {
					peak.Store(n)
				}
			}
		})
	}
	wg.Wait()
	if peak.Load() > p.max || p.live.Load() > int64(cap(p.free)) {
		t.Fatalf("%d timers at once (bound %d), %d left", peak.Load(), p.max, p.live.Load())
	}
}

func TestCPUShare(t *testing.T) {
	if CPUShare(0, 10) != 0 || CPUShare(10, 0) != 0 || CPUShare(-1, 10) != 0 || CPUShare(10, 10) <= 0 {
		t.Fatal("CPUShare")
	}
}
