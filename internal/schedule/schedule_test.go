package schedule

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func gaps(a Arrivals, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = a.Next().Seconds()
	}
	return out
}

func meanStd(xs []float64) (float64, float64) {
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, math.Sqrt(v / float64(len(xs)))
}

// Spec §11.14: Poisson gaps have mean 1/rate, CV 1, 63.2 % below the mean,
// no lag-1 correlation, and window counts with variance ≈ mean.
func TestPoissonStatistics(t *testing.T) {
	const rate = 50.0
	a, _ := New("poisson", rate, 1, rand.New(rand.NewPCG(42, 1)))
	xs := gaps(a, 20000)
	m, s := meanStd(xs)
	if math.Abs(m-1/rate) > 0.2/rate {
		t.Errorf("mean %v, want %v ±20%%", m, 1/rate)
	}
	if cv := s / m; math.Abs(cv-1) > 0.2 {
		t.Errorf("CV %v, want 1 ±0.2", cv)
	}
	below := 0
	for _, x := range xs {
		if x < m {
			below++
		}
	}
	if f := float64(below) / float64(len(xs)); math.Abs(f-(1-math.Exp(-1))) > 0.1 {
		t.Errorf("fraction below mean %v", f)
	}
	num, den := 0.0, 0.0
	for i := range xs {
		den += (xs[i] - m) * (xs[i] - m)
		if i > 0 {
			num += (xs[i] - m) * (xs[i-1] - m)
		}
	}
	if rho := num / den; math.Abs(rho) > 0.2 {
		t.Errorf("lag-1 autocorrelation %v", rho)
	}
	// Counts per 1 s window: index of dispersion ≈ 1.
	var counts []float64
	tm, window, c := 0.0, 1.0, 0.0
	for _, x := range xs {
		tm += x
		for tm > window {
			counts = append(counts, c)
			c, window = 0, window+1
		}
		c++
	}
	cm, cs := meanStd(counts)
	if d := cs * cs / cm; math.Abs(d-1) > 0.4 {
		t.Errorf("index of dispersion %v", d)
	}
}

func TestGammaAndConstant(t *testing.T) {
	for _, k := range []float64{0.5, 1, 4} {
		a, err := New("gamma", 20, k, rand.New(rand.NewPCG(7, 3)))
		if err != nil {
			t.Fatal(err)
		}
		m, s := meanStd(gaps(a, 40000))
		if math.Abs(m-0.05) > 0.05*0.05 {
			t.Errorf("k=%v mean %v, want 0.05", k, m)
		}
		if cv := s / m; math.Abs(cv-1/math.Sqrt(k)) > 0.08 {
			t.Errorf("k=%v CV %v, want %v", k, cv, 1/math.Sqrt(k))
		}
	}
	c, _ := New("constant", 4, 1, nil)
	for i := 0; i < 3; i++ {
		if g := c.Next(); g != 250*time.Millisecond {
			t.Fatalf("constant gap %v", g)
		}
	}
	b, _ := New("concurrency_burst", 0, 1, nil)
	if b.Next() != 0 {
		t.Fatal("burst gap must be 0")
	}
	if _, err := New("gamma", 1, 0, nil); err == nil {
		t.Fatal("gamma with smoothness 0 accepted")
	}
}

// The pure schedule: arrival n at t0 + the sum of the first n gaps.
func TestScheduleTimes(t *testing.T) {
	for _, c := range []struct {
		a    Arrivals
		t0   int64
		want []int64
	}{
		{Constant{Gap: 10}, 0, []int64{0, 10, 20, 30}},
		{Constant{Gap: 250}, 1000, []int64{1000, 1250, 1500}},
		{Burst{}, 7, []int64{7, 7, 7}},
	} {
		got := Times(c.a, c.t0, len(c.want))
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%v from %d: %v, want %v", c.a, c.t0, got, c.want)
			}
		}
	}
}

// Random schedules are the sum of their gaps, never re-anchored, and every
// process names itself.
func TestTickerSumsGaps(t *testing.T) {
	for _, pattern := range []string{"constant", "poisson", "gamma", "concurrency_burst"} {
		a, err := New(pattern, 100, 0.5, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if a.String() == "" {
			t.Errorf("%s has no name", pattern)
		}
		b, _ := New(pattern, 100, 0.5, rand.New(rand.NewPCG(1, 2)))
		times, sum := Times(a, 5, 50), int64(5)
		for i, at := range times {
			if at != sum {
				t.Fatalf("%s arrival %d at %d, want %d", pattern, i, at, sum)
			}
			sum += int64(b.Next())
		}
	}
	if _, err := New("gamma", 1, 0, nil); err == nil {
		t.Error("gamma with smoothness 0 accepted")
	}
	if _, err := New("lumpy", 1, 1, nil); err == nil {
		t.Error("unknown pattern accepted")
	}
}
