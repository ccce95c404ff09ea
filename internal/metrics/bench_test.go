package metrics

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkDescribe1M: exact statistics of a million values.
func BenchmarkDescribe1M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]float64, 1_000_000)
	for i := range src {
		src[i] = r.ExpFloat64()
	}
	xs := make([]float64, len(src))
	for b.Loop() {
		copy(xs, src)
		Describe(xs)
	}
}
