package dist

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Each shape draws what it says: means, medians and percentiles over many
// seeded draws, clamps always.
func TestDistShapes(t *testing.T) {
	const n = 40000
	cases := []struct {
		spec           string
		mean, p50, p99 float64 // 0: not checked
		lo, hi         int     // every sample within
	}{
		{spec: `512`, mean: 512, lo: 512, hi: 512},
		{spec: `{"value": 7}`, mean: 7, lo: 7, hi: 7},
		{spec: `{"mean": 500, "stddev": 50}`, mean: 500, p50: 500},
		{spec: `{"mean": 1024, "median": 512}`, mean: 1024, p50: 512},
		{spec: `{"p50": 500, "p99": 4000}`, p50: 500, p99: 4000},
		{spec: `{"peaks": [{"value": 100, "weight": 3}, {"value": 1000}]}`, mean: 325, lo: 100, hi: 1000},
		{spec: `{"points": [{"value": 128, "weight": 40}, {"value": 512, "weight": 60}]}`, mean: 358.4, lo: 128, hi: 512},
		{spec: `{"mean": 500, "stddev": 400, "min": 100, "max": 600}`, lo: 100, hi: 600},
		{spec: `{"type": "normal", "mean": 5}`, mean: 5, lo: 5, hi: 5},
		{spec: `{"peaks": [{"mean": 64, "stddev": 10, "max": 70}, {"mean": 256, "median": 200}], "min": 66}`, lo: 66},
	}
	for _, c := range cases {
		d, err := ParseDist(c.spec)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		r := rand.New(rand.NewPCG(7, 1))
		xs := make([]float64, n)
		sum := 0.0
		for i := range xs {
			v := d.Sample(r)
			if v < c.lo || (c.hi > 0 && v > c.hi) {
				t.Fatalf("%s: sample %d outside [%d, %d]", c.spec, v, c.lo, c.hi)
			}
			xs[i], sum = float64(v), sum+float64(v)
		}
		slices.Sort(xs)
		near := func(what string, got, want float64) {
			if want != 0 && math.Abs(got-want) > 0.04*want+1 { // samples are whole: +1
				t.Errorf("%s: %s %.1f, want %.1f", c.spec, what, got, want)
			}
		}
		near("mean", sum/n, c.mean)
		near("p50", xs[n/2], c.p50)
		near("p99", xs[n*99/100], c.p99)
		if c.mean != 0 && !strings.Contains(c.spec, "min") {
			near("Expected", d.Expected(), c.mean)
		}
	}
}

func TestDistErrors(t *testing.T) {
	for spec, want := range map[string]string{
		`{"mean": 100, "median": 200}`:                         "median ≤ mean",
		`{"p50": 100, "p99": 50}`:                              "p99 above p50",
		`{"p50": 100, "p99": 500, "mean": 150}`:                "mean target",
		`{"peaks": [{"value": 1}]}`:                            "at least 2 peaks",
		`{"points": [{"mean": 5}]}`:                            "needs a value",
		`{"value": 5, "mean": 6}`:                              "not a key of this shape",
		`{"mean": 5, "min": 9, "max": 3}`:                      "min 9 is above max 3",
		`{"mean": 5, "weight": 2}`:                             "weight belongs",
		`{"peaks": [{"value": 1, "weight": 0}, {"value": 2}]}`: "above 0",
		`{"average": 5}`:                                       "neither a number",
		`{}`:                                                   "no shape",
		`{"type": "zipf", "mean": 3}`:                          "no shape",
	} {
		if _, err := ParseDist(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", spec, err, want)
		}
	}
}
