package study

import (
	"math"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// abMetric is one headline number of a paired A/B: both sides' means,
// the mean paired difference B − A with its confidence interval, the
// verdict, and the blocks needed to detect the sized effect.
type abMetric struct {
	A          float64  `json:"a"`
	B          float64  `json:"b"`
	Difference float64  `json:"difference"`
	Relative   *float64 `json:"relative_difference"`
	CILow      *float64 `json:"ci_low"`
	CIHigh     *float64 `json:"ci_high"`
	Verdict    string   `json:"verdict"`
	Blocks     int      `json:"blocks"`
	Needed     *int     `json:"blocks_needed"`
	LowerIs    bool     `json:"lower_is_better"`
}

// paired compares a and b block by block (a[i] and b[i] measured on the
// same prompts, close in time): the t interval of the mean difference at
// level; B is better when the whole interval lies on its better side, A
// when on the other, else no detectable difference. Needed is the blocks
// a difference of effect × |mean A| would need to be detected with power
// 0.8 at this spread (blocksNeeded).
func paired(a, b []float64, level, effect float64, lowerBetter bool) abMetric {
	n := len(a)
	m := abMetric{Blocks: n, Verdict: "no_difference", LowerIs: lowerBetter}
	if n == 0 {
		return m
	}
	d := make([]float64, n)
	for i := range a {
		m.A, m.B, d[i] = m.A+a[i]/float64(n), m.B+b[i]/float64(n), b[i]-a[i]
	}
	m.Difference = mean(d)
	if m.A != 0 {
		r := m.Difference / math.Abs(m.A)
		m.Relative = &r
	}
	if n < 2 {
		return m
	}
	_, sd := meanStdOf(d)
	t := metrics.TQuantile(1-(1-level)/2, float64(n-1))
	half := t * sd / math.Sqrt(float64(n))
	lo, hi := m.Difference-half, m.Difference+half
	m.CILow, m.CIHigh = &lo, &hi
	switch {
	case lo > 0 && lowerBetter, hi < 0 && !lowerBetter:
		m.Verdict = "a_better"
	case hi < 0 && lowerBetter, lo > 0 && !lowerBetter:
		m.Verdict = "b_better"
	}
	if delta := effect * math.Abs(m.A); delta > 0 {
		// Sized on the 80 % upper confidence bound of the spread, so an
		// optimistic first sample does not promise too few blocks:
		// s·√((n−1)/χ²₀.₂,ₙ₋₁), the quantile by Wilson and Hilferty.
		k := float64(n - 1)
		chi := k * math.Pow(1-2/(9*k)-0.8416*math.Sqrt(2/(9*k)), 3)
		need := blocksNeeded(sd*math.Sqrt(k/chi), delta, level)
		m.Needed = &need
	}
	return m
}

// blocksNeeded is the least n with (t₁₋α/₂,ₙ₋₁ + t₀.₈,ₙ₋₁)·s/δ ≤ √n: the
// blocks for power 0.8 against a difference δ, the spread s of the
// differences taken as known (10,000 at most).
func blocksNeeded(sd, delta, level float64) int {
	// The normal approximation is a lower bound on n: start there.
	z := (metrics.TQuantile(1-(1-level)/2, 1e6) + metrics.TQuantile(0.8, 1e6)) * sd / delta
	for n := max(2, int(z*z)); n < 10000; n++ {
		df := float64(n - 1)
		if (metrics.TQuantile(1-(1-level)/2, df)+metrics.TQuantile(0.8, df))*sd/delta <= math.Sqrt(float64(n)) {
			return n
		}
	}
	return 10000
}

// abHeadlines are the numbers sonde ab compares, and whether lower is
// better for each.
func abHeadlines() map[string]bool {
	return map[string]bool{
		"time_to_first_token_p50": true, "time_to_first_token_p99": true, "inter_token_latency_p50": true,
		"request_latency_p50": true, "request_latency_p99": true, "output_token_throughput_avg": false, "request_throughput_avg": false,
	}
}
