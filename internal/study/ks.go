package study

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// ksTest is the two-sample Kolmogorov–Smirnov test: D, the largest gap
// between the two samples' empirical distribution functions, and its
// asymptotic p-value Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²) with
// λ = (√n + 0.12 + 0.11/√n)·D, n = ab/(a+b) (Stephens' correction, as in
// Numerical Recipes). A high p-value: nothing tells the samples apart.
func ksTest(a, b []float64) (d, p float64) {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN(), math.NaN()
	}
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		x := math.Min(a[i], b[j])
		for i < len(a) && a[i] <= x {
			i++
		}
		for j < len(b) && b[j] <= x {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	n := float64(len(a)*len(b)) / float64(len(a)+len(b))
	lambda := (math.Sqrt(n) + 0.12 + 0.11/math.Sqrt(n)) * d
	return d, kolmogorovQ(lambda)
}

// kolmogorovQ is the Kolmogorov distribution's upper tail.
func kolmogorovQ(lambda float64) float64 {
	if lambda < 1e-3 {
		return 1
	}
	sum, sign := 0.0, 1.0
	for k := 1; k <= 100; k++ {
		term := sign * math.Exp(-2*float64(k*k)*lambda*lambda)
		sum += term
		if math.Abs(term) < 1e-12 {
			break
		}
		sign = -sign
	}
	return math.Min(math.Max(2*sum, 0), 1)
}

// readMetric is a metric's value of every request of a run (its
// profile_export.jsonl); nil when the run has no records.
func readMetric(dir, tag string) []float64 {
	f, err := os.Open(filepath.Join(dir, "profile_export.jsonl"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var xs []float64
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var rec struct {
			Metrics map[string]struct {
				Value any `json:"value"`
			} `json:"metrics"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil {
			if v, ok := rec.Metrics[tag].Value.(float64); ok {
				xs = append(xs, v)
			}
		}
	}
	return xs
}

// distributionConverged is --convergence-mode distribution: the last
// run's requests are not told apart from the runs' before it by the KS
// test at the threshold (p-value at least it).
func distributionConverged(rs []runResult, tag string, threshold float64) bool {
	ok := successful(rs)
	if len(ok) < 3 {
		return false
	}
	last := readMetric(ok[len(ok)-1].Dir, tag)
	var before []float64
	for _, r := range ok[:len(ok)-1] {
		before = append(before, readMetric(r.Dir, tag)...)
	}
	_, p := ksTest(last, before)
	return p >= threshold
}
