// Package optimize proposes the next point of a search over a box of
// parameters from the trials so far: Bayesian optimization (a Gaussian
// process with expected improvement, weighted by the probability that
// each constraint holds) and a tree-structured Parzen estimator. Planners
// are pure: the same trials and seed give the same point; a caller runs
// the benchmark and appends the trial.
package optimize

import (
	"errors"
	"math"
)

// gp is a Gaussian process fitted to points in the unit cube: a constant
// mean (the observations' mean), a Matérn-5/2 kernel of one length scale
// per dimension, the observations standardized, and a noise term.
type gp struct {
	x      [][]float64
	mean   float64
	scale  float64   // the observations' standard deviation
	ls     []float64 // length scales, unit-cube units
	noise  float64   // variance, in standardized units
	chol   [][]float64
	alpha  []float64 // K⁻¹ y, standardized
	logLik float64
}

// matern52 is the Matérn-5/2 correlation at scaled distance r.
func matern52(r float64) float64 {
	s := math.Sqrt(5) * r
	return (1 + s + s*s/3) * math.Exp(-s)
}

func (g *gp) kernel(a, b []float64) float64 {
	var d2 float64
	for i := range a {
		d := (a[i] - b[i]) / g.ls[i]
		d2 += d * d
	}
	return matern52(math.Sqrt(d2))
}

// fitGP fits a GP to ys at xs, choosing its length scale and noise from a
// small grid by the marginal likelihood: a few dozen Cholesky solves of
// at most a few hundred points, enough for the dozens of trials a
// benchmark search makes.
func fitGP(xs [][]float64, ys []float64) (*gp, error) {
	if len(xs) == 0 {
		return nil, errors.New("no observations")
	}
	mean, sd := meanStd(ys)
	if sd == 0 || math.IsNaN(sd) {
		sd = 1
	}
	std := make([]float64, len(ys))
	for i, y := range ys {
		std[i] = (y - mean) / sd
	}
	var best *gp
	for _, l := range []float64{0.05, 0.1, 0.2, 0.35, 0.6, 1} {
		for _, noise := range []float64{1e-6, 1e-3, 1e-2, 0.05, 0.2} {
			ls := make([]float64, len(xs[0]))
			for i := range ls {
				ls[i] = l
			}
			g := &gp{x: xs, mean: mean, scale: sd, ls: ls, noise: noise}
			if g.solve(std) != nil {
				continue
			}
			if best == nil || g.logLik > best.logLik {
				best = g
			}
		}
	}
	if best == nil {
		return nil, errors.New("the Gaussian process could not be fitted")
	}
	return best, nil
}

// solve factors K + noise·I and computes alpha and the log likelihood.
func (g *gp) solve(y []float64) error {
	n := len(g.x)
	k := make([][]float64, n)
	for i := range k {
		k[i] = make([]float64, n)
		for j := range i + 1 {
			k[i][j] = g.kernel(g.x[i], g.x[j])
		}
		k[i][i] += g.noise
	}
	l, err := cholesky(k)
	if err != nil {
		return err
	}
	g.chol = l
	g.alpha = cholSolve(l, y)
	g.logLik = 0
	for i := range n {
		g.logLik -= 0.5*y[i]*g.alpha[i] + math.Log(l[i][i])
	}
	return nil
}

// predict is the posterior mean and standard deviation at x, in the
// observations' units.
func (g *gp) predict(x []float64) (mu, sigma float64) {
	n := len(g.x)
	ks := make([]float64, n)
	for i := range n {
		ks[i] = g.kernel(x, g.x[i])
	}
	for i := range n {
		mu += ks[i] * g.alpha[i]
	}
	v := forward(g.chol, ks)
	variance := 1.0
	for _, vi := range v {
		variance -= vi * vi
	}
	return g.mean + mu*g.scale, math.Sqrt(math.Max(variance, 1e-12)) * g.scale
}

// cholesky is the lower factor L of a symmetric positive-definite a (only
// its lower triangle is read).
func cholesky(a [][]float64) ([][]float64, error) {
	n := len(a)
	l := make([][]float64, n)
	for i := range n {
		l[i] = make([]float64, i+1)
		for j := range i + 1 {
			s := a[i][j]
			for k := range j {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if s <= 0 {
					return nil, errors.New("not positive definite")
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	return l, nil
}

// forward solves L v = b.
func forward(l [][]float64, b []float64) []float64 {
	v := make([]float64, len(b))
	for i := range b {
		s := b[i]
		for k := range i {
			s -= l[i][k] * v[k]
		}
		v[i] = s / l[i][i]
	}
	return v
}

// cholSolve solves L Lᵀ x = b.
func cholSolve(l [][]float64, b []float64) []float64 {
	v := forward(l, b)
	n := len(b)
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := v[i]
		for k := i + 1; k < n; k++ {
			s -= l[k][i] * x[k]
		}
		x[i] = s / l[i][i]
	}
	return x
}

func meanStd(ys []float64) (mean, sd float64) {
	for _, y := range ys {
		mean += y
	}
	mean /= float64(len(ys))
	for _, y := range ys {
		sd += (y - mean) * (y - mean)
	}
	if len(ys) > 1 {
		sd = math.Sqrt(sd / float64(len(ys)-1))
	}
	return mean, sd
}

// normCDF and normPDF are the standard normal's.
func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
func normPDF(z float64) float64 { return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) }

// expectedImprovement over best (maximizing) of a normal posterior.
func expectedImprovement(mu, sigma, best float64) float64 {
	if sigma <= 0 {
		return math.Max(mu-best, 0)
	}
	z := (mu - best) / sigma
	return (mu-best)*normCDF(z) + sigma*normPDF(z)
}
