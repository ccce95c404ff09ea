package study

import (
	"fmt"
	"math"
	"slices"
)

// rSquaredFloor is where a linear TTFT(ISL) fit gives way to a quadratic
// one (AIPerf's 0.85); a fit still below it is flagged below_floor.
const rSquaredFloor = 0.85

type islPoint struct {
	ISL    float64 `json:"isl"`
	TTFTms float64 `json:"ttft_ms"`
}

// curve is prefill_curve.json: TTFT (avg, ms) against ISL, fitted by
// least squares — a·ISL + b, or a·ISL² + b·ISL + c when the line's r²
// is below the floor.
type curve struct {
	Form     string     `json:"fit_form"`
	Coef     []float64  `json:"coefficients"`
	R2       *float64   `json:"r_squared"`
	Floor    float64    `json:"r_squared_floor"`
	Below    bool       `json:"below_floor"`
	Points   []islPoint `json:"raw_points"`
	Equation string     `json:"equation"`
}

func prefillCurve(pts []recipePoint) curve {
	c := curve{Form: "linear", Floor: rSquaredFloor, Points: []islPoint{}, Coef: []float64{}}
	var xs, ys []float64
	for _, p := range pts {
		if y, ok := p.h["time_to_first_token_avg"]; ok {
			xs, ys = append(xs, p.values["isl"]), append(ys, y)
			c.Points = append(c.Points, islPoint{p.values["isl"], y})
		}
	}
	slices.SortFunc(c.Points, func(a, b islPoint) int { return cmpFloat(a.ISL, b.ISL) })
	if len(xs) < 2 {
		c.Below = true
		return c
	}
	coef, r2 := polyFit(xs, ys, 1)
	if r2 < rSquaredFloor && len(xs) >= 3 {
		if q, qr2 := polyFit(xs, ys, 2); qr2 > r2 {
			coef, r2, c.Form = q, qr2, "quadratic"
		}
	}
	c.Coef, c.R2, c.Below = coef, orNull(r2), !(r2 >= rSquaredFloor)
	c.Equation = equation(coef)
	return c
}

// polyFit fits y = Σ cᵢ x^(deg−i) by least squares (the normal equations,
// x scaled to its largest value so they stay well conditioned) and gives
// the coefficients, highest power first, and r².
func polyFit(xs, ys []float64, deg int) ([]float64, float64) {
	scale := 0.0
	for _, x := range xs {
		scale = math.Max(scale, math.Abs(x))
	}
	if scale == 0 {
		scale = 1
	}
	n := deg + 1
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n+1)
	}
	for k, x := range xs {
		u := x / scale
		pow := make([]float64, 2*n)
		pow[0] = 1
		for i := 1; i < len(pow); i++ {
			pow[i] = pow[i-1] * u
		}
		for i := range n {
			for j := range n {
				a[i][j] += pow[i+j]
			}
			a[i][n] += pow[i] * ys[k]
		}
	}
	c := solve(a) // c[i] multiplies u^i
	coef := make([]float64, n)
	for i := range n {
		coef[deg-i] = c[i] / math.Pow(scale, float64(i))
	}
	mean, _ := meanStdOf(ys)
	var ssRes, ssTot float64
	for k, x := range xs {
		fit := 0.0
		for _, ci := range coef {
			fit = fit*x + ci
		}
		ssRes += (ys[k] - fit) * (ys[k] - fit)
		ssTot += (ys[k] - mean) * (ys[k] - mean)
	}
	if ssTot == 0 {
		return coef, 1
	}
	return coef, 1 - ssRes/ssTot
}

// solve is Gaussian elimination with partial pivoting of an augmented
// matrix; a singular system gives zeros.
func solve(a [][]float64) []float64 {
	n := len(a)
	for col := range n {
		piv := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[piv][col]) {
				piv = r
			}
		}
		a[col], a[piv] = a[piv], a[col]
		if a[col][col] == 0 {
			return make([]float64, n)
		}
		for r := range n {
			if r == col {
				continue
			}
			f := a[r][col] / a[col][col]
			for k := col; k <= n; k++ {
				a[r][k] -= f * a[col][k]
			}
		}
	}
	x := make([]float64, n)
	for i := range n {
		x[i] = a[i][n] / a[i][i]
	}
	return x
}

func meanStdOf(xs []float64) (float64, float64) {
	m := mean(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(max(len(xs)-1, 1)))
}

func equation(coef []float64) string {
	if len(coef) == 2 {
		return formatEq("TTFT(ms) = %.6g × ISL + %.6g", coef[0], coef[1])
	}
	return formatEq("TTFT(ms) = %.6g × ISL² + %.6g × ISL + %.6g", coef[0], coef[1], coef[2])
}

type surfacePoint struct {
	Concurrency float64 `json:"concurrency"`
	OSL         float64 `json:"osl"`
	ITLms       float64 `json:"itl_ms"`
}

// surface is decode_itl_surface.json: ITL (avg, ms) on the concurrency ×
// OSL grid as measured; a cell not measured stays null.
type surface struct {
	Surface struct {
		Concurrency []float64    `json:"concurrency_axis"`
		OSL         []float64    `json:"osl_axis"`
		ITL         [][]*float64 `json:"itl_grid"`
	} `json:"surface"`
	Points []surfacePoint `json:"raw_points"`
	Params []string       `json:"swept_params"`
}

func decodeSurface(pts []recipePoint) surface {
	var s surface
	s.Params, s.Points = []string{"concurrency", "osl"}, []surfacePoint{}
	for _, p := range pts {
		s.Surface.Concurrency = appendNew(s.Surface.Concurrency, p.values["concurrency"])
		s.Surface.OSL = appendNew(s.Surface.OSL, p.values["osl"])
	}
	slices.Sort(s.Surface.Concurrency)
	slices.Sort(s.Surface.OSL)
	s.Surface.ITL = make([][]*float64, len(s.Surface.Concurrency))
	for i := range s.Surface.ITL {
		s.Surface.ITL[i] = make([]*float64, len(s.Surface.OSL))
	}
	for _, p := range pts {
		itl, ok := p.h["inter_token_latency_avg"]
		if !ok {
			continue
		}
		i, j := slices.Index(s.Surface.Concurrency, p.values["concurrency"]), slices.Index(s.Surface.OSL, p.values["osl"])
		s.Surface.ITL[i][j] = orNull(itl)
		s.Points = append(s.Points, surfacePoint{p.values["concurrency"], p.values["osl"], itl})
	}
	return s
}

func appendNew(xs []float64, x float64) []float64 {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

type paretoCell struct {
	ISL         float64 `json:"isl"`
	OSL         float64 `json:"osl"`
	Concurrency float64 `json:"concurrency"`
	X           float64 `json:"x"`
	Y           float64 `json:"y"`
	Optimal     bool    `json:"pareto_optimal"`
}

type paretoFile struct {
	XMetric string       `json:"x_metric"`
	XStat   string       `json:"x_stat"`
	YMetric string       `json:"y_metric"`
	YStat   string       `json:"y_stat"`
	Cells   []paretoCell `json:"cells"`
}

// paretoCells is pareto_sweep.json: a cell is Pareto-optimal when no other
// has a TTFT p95 as low and an output throughput as high, one strictly.
func paretoCells(pts []recipePoint) paretoFile {
	f := paretoFile{XMetric: "time_to_first_token", XStat: "p95", YMetric: "output_token_throughput", YStat: "avg", Cells: []paretoCell{}}
	for _, p := range pts {
		x, okx := p.h["time_to_first_token_p95"]
		y, oky := p.h["output_token_throughput_avg"]
		if okx && oky {
			f.Cells = append(f.Cells, paretoCell{ISL: p.values["isl"], OSL: p.values["osl"], Concurrency: p.values["concurrency"], X: x, Y: y})
		}
	}
	for i := range f.Cells {
		f.Cells[i].Optimal = true
		for j, o := range f.Cells {
			a := f.Cells[i]
			if j != i && o.X <= a.X && o.Y >= a.Y && (o.X < a.X || o.Y > a.Y) {
				f.Cells[i].Optimal = false
				break
			}
		}
	}
	return f
}

func formatEq(format string, a ...any) string { return fmt.Sprintf(format, a...) }
