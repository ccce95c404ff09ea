package metrics

import "math"

// TQuantile is the q-quantile (0.5 < q < 1) of Student's t distribution with
// df degrees of freedom: the critical value of a two-sided confidence
// interval at level c is TQuantile(1−(1−c)/2, n−1). Found by bisection on
// the CDF, to 1e-9.
func TQuantile(q, df float64) float64 {
	if df <= 0 || q <= 0.5 || q >= 1 {
		return math.NaN()
	}
	lo, hi := 0.0, 1.0
	for tCDF(hi, df) < q {
		hi *= 2
		if hi > 1e12 {
			return math.Inf(1)
		}
	}
	for hi-lo > 1e-9*math.Max(1, hi) {
		mid := (lo + hi) / 2
		if tCDF(mid, df) < q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// tCDF is P(T ≤ t) for t ≥ 0: 1 − I_x(df/2, 1/2)/2 with x = df/(df+t²).
func tCDF(t, df float64) float64 {
	return 1 - 0.5*regIncBeta(df/(df+t*t), df/2, 0.5)
}

// regIncBeta is the regularised incomplete beta function I_x(a, b), by its
// continued fraction (Lentz's method), using the symmetry
// I_x(a,b) = 1 − I_{1−x}(b,a) where the fraction converges slowly.
func regIncBeta(x, a, b float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	if x > (a+1)/(a+b+2) {
		return 1 - regIncBeta(1-x, b, a)
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab-la-lb+a*math.Log(x)+b*math.Log(1-x)) / a
	const tiny = 1e-300
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	f := d
	// step applies one term of the fraction (Lentz) and returns its factor.
	step := func(num float64) float64 {
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		return c * d
	}
	for m := 1; m <= 300; m++ {
		fm := float64(m)
		f *= step(fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm)))                // even term
		delta := step(-(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1))) // odd term
		f *= delta
		if math.Abs(delta-1) < 1e-15 {
			break
		}
	}
	return front * f
}
