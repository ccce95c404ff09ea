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
