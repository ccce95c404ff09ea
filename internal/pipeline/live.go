package pipeline

import (
	"slices"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// liveWindow is how many recent values the live percentiles are over.
const liveWindow = 2048

// ring keeps the last liveWindow values.
type ring struct {
	xs   []float64
	next int
}

func (r *ring) add(x float64) {
	if len(r.xs) < liveWindow {
		r.xs = append(r.xs, x)
		return
	}
	r.xs[r.next] = x
	r.next = (r.next + 1) % liveWindow
}

// Live keeps what the dashboard shows while a run goes on: percentiles of
// the most recent requests, the recent output rate and the errors by type.
// The processor goroutine feeds it, the display takes snapshots: never the
// request path.
type Live struct {
	mu     sync.Mutex
	rings  map[string]*ring
	errors map[string]int64
	tokens []tokenMark // output tokens by completion time, the last 10 s
	now    func() time.Time
}

type tokenMark struct {
	at     time.Time
	tokens float64
}

// Live metrics, by tag.
var liveTags = map[string]int{"time_to_first_token": metrics.TTFT, "inter_token_latency": metrics.ITL,
	"request_latency": metrics.RequestLatency, "schedule_lag": metrics.ScheduleLag}

// NewLive starts an empty live view on the run's clock.
func NewLive(now func() time.Time) *Live {
	l := &Live{rings: map[string]*ring{}, errors: map[string]int64{}, now: now}
	for tag := range liveTags {
		l.rings[tag] = &ring{}
	}
	return l
}

func (l *Live) Start() error { return nil }
func (l *Live) Close() error { return nil }

// Put takes a measured record.
func (l *Live) Put(r *record.Record, v *metrics.Values) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Error != nil {
		l.errors[r.Error.Type]++
		return
	}
	for tag, i := range liveTags {
		if x, ok := v.Get(i); ok {
			l.rings[tag].add(x * metrics.RecordDef(i).Scale)
		}
	}
	if osl, ok := v.Get(metrics.OSL); ok {
		now := l.now()
		l.tokens = append(l.tokens, tokenMark{now, osl})
		cut := 0
		for cut < len(l.tokens) && now.Sub(l.tokens[cut].at) > 10*time.Second {
			cut++
		}
		l.tokens = l.tokens[cut:]
	}
}

// LiveSnapshot is the live view at one instant.
type LiveSnapshot struct {
	P50, P90, P99 map[string]float64 // by tag, display units
	Errors        map[string]int64   // by type
	OutputTPS     float64            // output tokens per second over the last 10 s
}

// Snapshot copies the live view.
func (l *Live) Snapshot() LiveSnapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := LiveSnapshot{P50: map[string]float64{}, P90: map[string]float64{}, P99: map[string]float64{}, Errors: map[string]int64{}}
	for tag, r := range l.rings {
		if len(r.xs) == 0 {
			continue
		}
		xs := slices.Clone(r.xs)
		slices.Sort(xs)
		s.P50[tag], s.P90[tag], s.P99[tag] = metrics.Percentile(xs, 50), metrics.Percentile(xs, 90), metrics.Percentile(xs, 99)
	}
	for k, n := range l.errors {
		s.Errors[k] = n
	}
	if n := len(l.tokens); n > 1 {
		span := l.tokens[n-1].at.Sub(l.tokens[0].at).Seconds()
		sum := 0.0
		for _, t := range l.tokens[1:] {
			sum += t.tokens
		}
		if span > 0 {
			s.OutputTPS = sum / span
		}
	}
	return s
}
