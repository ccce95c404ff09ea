package twin

import (
	"fmt"
	"math"
)

// stdErrors estimates each cost's standard error at the fit's optimum x
// (logarithms of the costs): the residuals' Jacobian J by central
// differences, their variance s² = SSR/(m − p), the covariance of the log
// costs s²(JᵀJ)⁻¹, and each cost's error by the delta method (cost × the
// log's error). A cost that moves no residual is not identifiable from
// these runs: it is left out of the inversion and its error is its value.
func stdErrors(res func([]float64) []float64, x []float64) ([]float64, []string) {
	const h = 0.1
	r0 := res(x)
	m, p := len(r0), len(x)
	jac := make([][]float64, p) // by column
	for j := range p {
		up, down := append([]float64(nil), x...), append([]float64(nil), x...)
		up[j] += h
		down[j] -= h
		ru, rd := res(up), res(down)
		jac[j] = make([]float64, m)
		for i := range min(m, len(ru), len(rd)) {
			jac[j][i] = (ru[i] - rd[i]) / (2 * h)
		}
	}
	ssr := 0.0
	for _, r := range r0 {
		ssr += r * r
	}
	s2 := ssr / float64(max(m-p, 1))
	costs := fromLog(x)
	se := make([]float64, p)
	var notes []string
	var free []int
	for j := range p {
		norm := 0.0
		for _, v := range jac[j] {
			norm += v * v
		}
		switch {
		case costs[j] == 0:
			notes = append(notes, fmt.Sprintf("%s fitted as nil: these runs show no such cost", costNames[j]))
		case norm < 1e-6:
			se[j] = costs[j]
			notes = append(notes, fmt.Sprintf("%s is not identifiable from these runs (it moves none of the fitted figures): kept at %.3g, its error its value", costNames[j], costs[j]))
		default:
			free = append(free, j)
		}
	}
	a := make([][]float64, len(free))
	for i, ji := range free {
		a[i] = make([]float64, len(free))
		for k, jk := range free {
			for r := range m {
				a[i][k] += jac[ji][r] * jac[jk][r]
			}
		}
	}
	inv, ok := invert(a)
	for i, j := range free {
		if !ok || inv[i][i] < 0 {
			se[j] = costs[j]
			continue
		}
		se[j] = costs[j] * math.Sqrt(s2*inv[i][i])
	}
	if !ok && len(free) > 0 {
		notes = append(notes, "the costs are not separately identifiable from these runs (they trade off against each other): their errors are their values; fit runs of more than one load")
	}
	return se, notes
}

// invert inverts a small symmetric matrix by Gauss-Jordan elimination with
// partial pivoting; false when it is singular.
func invert(a [][]float64) ([][]float64, bool) {
	n := len(a)
	scale := 0.0
	for i := range a {
		scale = max(scale, math.Abs(a[i][i]))
	}
	m := make([][]float64, n)
	for i := range a {
		m[i] = make([]float64, 2*n)
		copy(m[i], a[i])
		m[i][n+i] = 1
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) <= 1e-10*scale {
			return nil, false
		}
		m[c], m[p] = m[p], m[c]
		d := m[c][c]
		for k := range m[c] {
			m[c][k] /= d
		}
		for r := range n {
			if r != c && m[r][c] != 0 {
				f := m[r][c]
				for k := range m[r] {
					m[r][k] -= f * m[c][k]
				}
			}
		}
	}
	out := make([][]float64, n)
	for i := range m {
		out[i] = m[i][n:]
	}
	return out, true
}
