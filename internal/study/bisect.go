package study

import "math"

// Space is a capacity search's range: Lo and Hi, the step at which
// bisection stops, and whether loads are whole numbers (concurrency).
type Space struct {
	Lo, Hi, Resolution float64
	Integer            bool
}

// round is the load actually probed: a whole number, or three decimals.
func (sp Space) round(x float64) float64 {
	if sp.Integer {
		return math.Round(x)
	}
	return math.Round(x*1000) / 1000
}

// Search finds the largest load that passes, assuming that latency only
// grows with load: it probes upwards exponentially from Lo (doubling,
// capped at Hi) until a probe fails, then bisects between the last pass
// and the first failure until they are Resolution apart —
// O(log(Hi/Lo)) probes. It stops at the first error of probe, which
// records every probe's result (Answer reads them); a probe may answer
// from memory a load it saw before.
func Search(sp Space, probe func(x float64) (bool, error)) error {
	pass, err := probe(sp.Lo)
	if err != nil || !pass {
		return err
	}
	good, bad := sp.Lo, math.NaN()
	for x := sp.Lo; ; {
		nx := sp.round(math.Min(x*2, sp.Hi))
		if nx <= x {
			nx = x + sp.Resolution
		}
		if nx > sp.Hi {
			break
		}
		pass, err := probe(nx)
		if err != nil {
			return err
		}
		if !pass {
			bad = nx
			break
		}
		good, x = nx, nx
		if nx >= sp.Hi {
			break
		}
	}
	for !math.IsNaN(bad) && bad-good > sp.Resolution {
		mid := sp.round((good + bad) / 2)
		if mid <= good || mid >= bad {
			break
		}
		pass, err := probe(mid)
		if err != nil {
			return err
		}
		if pass {
			good = mid
		} else {
			bad = mid
		}
	}
	return nil
}

// Answer is the largest passing load below every failing one (nil when
// none passed); monotonic is false when a load above a failure passed.
func Answer(probes []Probe) (ans *float64, monotonic bool) {
	minFail := math.Inf(1)
	for _, pr := range probes {
		if !pr.Passed {
			minFail = math.Min(minFail, pr.Value)
		}
	}
	monotonic = true
	for _, pr := range probes {
		switch {
		case pr.Passed && pr.Value > minFail:
			monotonic = false
		case pr.Passed && (ans == nil || pr.Value > *ans):
			v := pr.Value
			ans = &v
		}
	}
	return ans, monotonic
}
