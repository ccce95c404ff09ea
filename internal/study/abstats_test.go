package study

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// The paired test's properties over many seeds: for identical servers it
// answers "no detectable difference" at least 95 % of the time (a
// one-sided binomial test at 1 % that the false-positive rate is not
// above 5 %), and with the blocks it said it needs it detects a 5 %
// difference in about 80 % of seeds (its power), far more than with few.
func TestPairedStatistics(t *testing.T) {
	const seeds = 2000
	sample := func(r *rand.Rand, n int, shift float64) ([]float64, []float64) {
		a, b := make([]float64, n), make([]float64, n)
		for i := range n {
			drift := 5 * r.NormFloat64() // a noisy neighbour hits both sides of a block
			a[i] = 100 + drift + 3*r.NormFloat64()
			b[i] = 100*(1+shift) + drift + 3*r.NormFloat64()
		}
		return a, b
	}
	r := rand.New(rand.NewPCG(1, 2))
	same := 0
	for range seeds {
		a, b := sample(r, 10, 0)
		if paired(a, b, 0.95, 0.05, true).Verdict == "no_difference" {
			same++
		}
	}
	// Under a 5 % rate the false positives are 100 ± 9.7: above 122
	// rejects it at 1 %.
	if fp := seeds - same; fp > 122 {
		t.Errorf("%d of %d identical pairs judged different", fp, seeds)
	}
	a, b := sample(rand.New(rand.NewPCG(7, 8)), 10, 0.05)
	pilot := paired(a, b, 0.95, 0.05, true)
	if pilot.Needed == nil || *pilot.Needed < 2 {
		t.Fatalf("pilot: %+v", pilot)
	}
	detect := func(n int) int {
		hits := 0
		for range 500 {
			a, b := sample(r, n, 0.05)
			if paired(a, b, 0.95, 0.05, true).Verdict == "a_better" {
				hits++
			}
		}
		return hits
	}
	if hits, few := detect(*pilot.Needed), detect(2); hits < 350 || hits <= few {
		t.Errorf("with %d blocks %d of 500 detected (with 2: %d); power 0.8 expects ~400", *pilot.Needed, hits, few)
	}
	higher := paired([]float64{10, 11, 12}, []float64{20, 21, 22}, 0.95, 0.05, false)
	if higher.Verdict != "b_better" || *higher.Relative < 0.8 {
		t.Errorf("throughput: %+v", higher)
	}
	if m := paired(nil, nil, 0.95, 0.05, true); m.Verdict != "no_difference" || m.CILow != nil {
		t.Error("no blocks")
	}
}

// sonde ab in-process: blocks on both simulators, the result written.
func TestABRuns(t *testing.T) {
	dir, out, err := study(t, "--ab", "--url", "sim://?ttft=4ms&itl=100us", "--request-count", "2", "--ab-blocks", "2", "--streaming")
	if err != nil {
		t.Fatal(err)
	}
	r := readJSON(t, filepath.Join(dir, "ab_result.json"))
	if r["blocks"] != 2.0 || r["metrics"].(map[string]any)["time_to_first_token_p50"] == nil || !strings.Contains(out, "sonde | A/B") {
		t.Errorf("%v\n%s", r, out)
	}
}
