package metrics

import (
	"math"
	"testing"
)

// Critical values from printed t tables (and AIPerf's multi-run docs).
func TestTQuantile(t *testing.T) {
	for _, c := range []struct{ q, df, want float64 }{
		{0.975, 4, 2.776445}, {0.975, 9, 2.262157}, {0.995, 4, 4.604095}, {0.975, 1, 12.706205},
		{0.95, 2, 2.919986}, {0.975, 30, 2.042272}, {0.975, 1000, 1.962339},
	} {
		if got := TQuantile(c.q, c.df); math.Abs(got-c.want) > 1e-5 {
			t.Errorf("t(%v, df=%v) = %v, want %v", c.q, c.df, got, c.want)
		}
	}
	if !math.IsNaN(TQuantile(0.975, 0)) {
		t.Error("df 0 has no quantile")
	}
}

// Worked by hand: U = 12.5 (five ties of one each), mean 50, σ² =
// 100/12·(21 − 30/380) = 174.34, z = (37.5 − 0.5)/13.204 = 2.802, p = 0.00508.
func TestMannWhitney(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	b := []float64{6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	if p := MannWhitney(a, b); math.Abs(p-0.00508) > 0.00005 {
		t.Errorf("shifted samples: p = %v, want about 0.00508", p)
	}
	if p := MannWhitney(a, a); p < 0.9 {
		t.Errorf("the same sample: p = %v, want about 1", p)
	}
	if p := MannWhitney(nil, a); !math.IsNaN(p) {
		t.Errorf("an empty side: %v", p)
	}
}
