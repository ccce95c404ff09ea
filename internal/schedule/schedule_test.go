package schedule

import (
	"fmt"
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

// within checks that a statistic is within 4 standard errors of its
// expected value: the bound follows from the sample size. For 20,000
// Poisson gaps that is ±2.8 % on the mean (one standard error is 0.7 %),
// so gaps 5 % too long fail (15 % passed the old ±20 %), while a correct
// draw fails about once in 16,000 seeds (the seeds are fixed).
func within(t *testing.T, name string, got, want, se float64) {
	t.Helper()
	if math.Abs(got-want) > 4*se {
		t.Errorf("%s %v, want %v ± %v (4 standard errors)", name, got, want, 4*se)
	}
}

// Spec §11.14: Poisson gaps have mean 1/rate, CV 1, 63.2 % below the mean,
// no lag-1 correlation, and window counts with variance ≈ mean.
func TestPoissonStatistics(t *testing.T) {
	const rate, n = 50.0, 20000
	a, _ := New("poisson", rate, 1, rand.New(rand.NewPCG(42, 1)))
	xs := gaps(a, n)
	m, s := meanStd(xs)
	rootN := math.Sqrt(n)
	within(t, "mean gap", m, 1/rate, 1/rate/rootN)
	// An exponential's sample std has a standard error of about σ·√2/√n
	// (its fourth central moment is 9σ⁴).
	within(t, "CV", s/m, 1, math.Sqrt2/rootN)
	below := 0
	for _, x := range xs {
		if x < m {
			below++
		}
	}
	p := 1 - math.Exp(-1)
	within(t, "fraction below the mean", float64(below)/n, p, math.Sqrt(p*(1-p)/n))
	num, den := 0.0, 0.0
	for i := range xs {
		den += (xs[i] - m) * (xs[i] - m)
		if i > 0 {
			num += (xs[i] - m) * (xs[i-1] - m)
		}
	}
	within(t, "lag-1 autocorrelation", num/den, 0, 1/rootN)
	// Counts per 1 s window: index of dispersion ≈ 1, with a standard
	// error of √(2/(windows−1)).
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
	within(t, "index of dispersion", cs*cs/cm, 1, math.Sqrt(2/float64(len(counts)-1)))
}

// Gamma gaps: mean 1/rate and CV 1/√k, each within 4 standard errors of
// 40,000 draws (the sample std's from the gamma's kurtosis 3 + 6/k).
func TestGammaAndConstant(t *testing.T) {
	const n = 40000
	for _, k := range []float64{0.5, 1, 4} {
		a, err := New("gamma", 20, k, rand.New(rand.NewPCG(7, 3)))
		if err != nil {
			t.Fatal(err)
		}
		m, s := meanStd(gaps(a, n))
		cv := 1 / math.Sqrt(k)
		within(t, fmt.Sprintf("k=%v mean gap", k), m, 0.05, 0.05*cv/math.Sqrt(n))
		kurtosis := 3 + 6/k
		within(t, fmt.Sprintf("k=%v CV", k), s/m, cv, cv*math.Sqrt((kurtosis-1)/n)/2)
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
