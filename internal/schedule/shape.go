package schedule

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Shaped varies the rate of an arrival process over time: each gap of the
// base process (drawn at the full rate) is stretched by the rate's share
// at the intended time of the arrival before it. Intended times stay
// absolute (the Ticker adds the gaps), so a ramp is schedule, never lag.
type Shaped struct {
	Base Arrivals
	// Share is the rate at t seconds after the start, as a share of the
	// base rate (a ramp climbs from near 0 to 1).
	Share func(t float64) float64
	// Flat is when Share stops changing (the end of the ramp or series).
	Flat float64
	Name string
	t    float64 // intended time of the last arrival, in seconds
}

// Next finds the next intended time t where the rate's integral since the
// last one equals the base gap: the base process runs on "full-rate
// seconds". The share is integrated in 1 ms steps, exactly for a share
// that is linear within a step (ramps and series are piecewise linear).
func (s *Shaped) Next() time.Duration {
	const dt, never = 1e-3, 1e6 // a rate of 0 from here on: no more arrivals
	need, t := s.Base.Next().Seconds(), s.t
	for need > 0 && t-s.t < never {
		if t >= s.Flat { // constant from here: no need to step
			if c := s.Share(t); c > 0 {
				t += need / c
			} else {
				t = s.t + never
			}
			break
		}
		a, b := max(s.Share(t), 0), max(s.Share(t+dt), 0)
		area := (a + b) / 2 * dt
		if area < need {
			need -= area
			t += dt
			continue
		}
		// a·x + k·x² = need, with k the share's slope over 2.
		k := (b - a) / (2 * dt)
		x := need / a
		if math.Abs(k) > 1e-12 {
			x = (-a + math.Sqrt(a*a+4*k*need)) / (2 * k)
		}
		t += x
		need = 0
	}
	g := t - s.t
	s.t = t
	return seconds(g)
}

func (s *Shaped) String() string { return s.Name + " of " + s.Base.String() }

// Ramp climbs linearly from 0 to the full rate over d, then holds it.
func Ramp(base Arrivals, d time.Duration) *Shaped {
	sec := d.Seconds()
	return &Shaped{Base: base, Name: fmt.Sprintf("ramp over %v", d), Flat: sec, Share: func(t float64) float64 { return math.Min(1, t/sec) }}
}

// Point is a rate (requests/s) at a time (seconds from the start).
type Point struct{ T, Rate float64 }

// ParseSeries reads --request-rate-series: "T:RATE,T:RATE,…" or the JSON
// [[T, RATE], …]; times in seconds, increasing from 0; the rate is
// piecewise linear between points and holds the last one after them.
func ParseSeries(s string) ([]Point, error) {
	var pts []Point
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "[") {
		var raw [][2]float64
		if err := json.Unmarshal([]byte(t), &raw); err != nil {
			return nil, fmt.Errorf("--request-rate-series %q: not a JSON list of [seconds, rate] pairs: %v", s, err)
		}
		for _, p := range raw {
			pts = append(pts, Point{p[0], p[1]})
		}
	} else {
		for item := range strings.SplitSeq(t, ",") {
			a, b, ok := strings.Cut(strings.TrimSpace(item), ":")
			tt, err1 := strconv.ParseFloat(a, 64)
			r, err2 := strconv.ParseFloat(b, 64)
			if !ok || err1 != nil || err2 != nil {
				return nil, fmt.Errorf("--request-rate-series %q: %q is not SECONDS:RATE", s, item)
			}
			pts = append(pts, Point{tt, r})
		}
	}
	if len(pts) == 0 || pts[0].T != 0 {
		return nil, fmt.Errorf("--request-rate-series %q: the first point must be at time 0", s)
	}
	for i, p := range pts {
		if math.IsNaN(p.T) || math.IsInf(p.T, 0) || math.IsNaN(p.Rate) || math.IsInf(p.Rate, 0) || p.Rate < 0 || p.Rate > 1e6 {
			return nil, fmt.Errorf("--request-rate-series %q: point %d has an impossible time or rate", s, i+1)
		}
		if i > 0 && p.T <= pts[i-1].T {
			return nil, fmt.Errorf("--request-rate-series %q: times must increase (point %d)", s, i+1)
		}
	}
	if PeakRate(pts) <= 0 {
		return nil, fmt.Errorf("--request-rate-series %q: some rate must be positive", s)
	}
	return pts, nil
}

// PeakRate is the highest rate of a series.
func PeakRate(pts []Point) float64 {
	peak := 0.0
	for _, p := range pts {
		peak = math.Max(peak, p.Rate)
	}
	return peak
}

// Series follows a piecewise-linear rate: base is drawn at the series' peak
// rate.
func Series(base Arrivals, pts []Point) *Shaped {
	peak := PeakRate(pts)
	pts = slices.Clone(pts)
	return &Shaped{Base: base, Name: "rate series", Flat: pts[len(pts)-1].T,
		Share: func(t float64) float64 { return RateAt(pts, t) / peak }}
}

// RateAt is the series' rate at t seconds.
func RateAt(pts []Point, t float64) float64 {
	for i := 1; i < len(pts); i++ {
		if t < pts[i].T {
			a, b := pts[i-1], pts[i]
			return a.Rate + (b.Rate-a.Rate)*(t-a.T)/(b.T-a.T)
		}
	}
	return pts[len(pts)-1].Rate
}

// Stride keeps arrival k of every n of a base process, from the offset-th:
// shard offset of n. Its gaps are sums of n base gaps; Offset is the time
// of its first arrival after the base's first.
type Stride struct {
	Base   Arrivals
	N      int
	Offset time.Duration
}

// Every draws the base process's first offset gaps into Offset, so the
// shard's arrival j is the base's arrival j·n + offset.
func Every(base Arrivals, n, offset int) *Stride {
	s := &Stride{Base: base, N: n}
	for range offset {
		s.Offset += base.Next()
	}
	return s
}

func (s *Stride) Next() time.Duration {
	var g time.Duration
	for range s.N {
		g += s.Base.Next()
	}
	return g
}

func (s *Stride) String() string { return fmt.Sprintf("every %d of %s", s.N, s.Base) }
