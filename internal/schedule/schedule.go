// Package schedule draws the gaps between request send times: constant,
// Poisson, gamma (vLLM's burstiness) or none (concurrency burst). The engine
// turns them into absolute intended times, so sleeping late never drifts the
// schedule.
package schedule

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Arrivals yields successive inter-arrival gaps.
type Arrivals interface {
	Next() time.Duration
	String() string
}

// New returns the arrival process of an --arrival-pattern at rate requests
// per second; smoothness is the gamma shape (1 = Poisson).
func New(pattern string, rate, smoothness float64, r *rand.Rand) (Arrivals, error) {
	if pattern == "concurrency_burst" || rate <= 0 {
		return Burst{}, nil
	}
	switch pattern {
	case "constant":
		return Constant{Gap: time.Duration(float64(time.Second) / rate)}, nil
	case "poisson", "":
		return &Poisson{Rate: rate, r: r}, nil
	case "gamma":
		if smoothness <= 0 {
			return nil, fmt.Errorf("--arrival-smoothness must be > 0, got %v", smoothness)
		}
		return &Gamma{Rate: rate, Shape: smoothness, r: r}, nil
	}
	return nil, fmt.Errorf("--arrival-pattern %q is not one of constant, poisson, gamma, concurrency_burst", pattern)
}

// Burst sends as fast as slots allow.
type Burst struct{}

func (Burst) Next() time.Duration { return 0 }
func (Burst) String() string      { return "concurrency_burst" }

// Constant sends every Gap.
type Constant struct{ Gap time.Duration }

func (c Constant) Next() time.Duration { return c.Gap }
func (c Constant) String() string      { return fmt.Sprintf("constant(%v)", c.Gap) }

// Poisson draws exponential gaps of mean 1/Rate.
type Poisson struct {
	Rate float64
	r    *rand.Rand
}

func (p *Poisson) Next() time.Duration { return seconds(p.r.ExpFloat64() / p.Rate) }
func (p *Poisson) String() string      { return fmt.Sprintf("poisson(%g/s)", p.Rate) }

// Gamma draws gaps from Gamma(shape k, scale 1/(rate·k)): mean 1/rate and
// coefficient of variation 1/√k, as vLLM's --burstiness and AIPerf's
// --arrival-smoothness.
type Gamma struct {
	Rate, Shape float64
	r           *rand.Rand
}

func (g *Gamma) Next() time.Duration {
	return seconds(gammaSample(g.r, g.Shape) / (g.Rate * g.Shape))
}
func (g *Gamma) String() string { return fmt.Sprintf("gamma(%g/s, k=%g)", g.Rate, g.Shape) }

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// gammaSample draws Gamma(k, 1) by Marsaglia and Tsang (2000); for k < 1 it
// boosts with U^(1/k).
func gammaSample(r *rand.Rand, k float64) float64 {
	if k < 1 {
		return gammaSample(r, k+1) * math.Pow(r.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
