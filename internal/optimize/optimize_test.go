package optimize

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// run drives a planner against a scripted surface for n iterations.
func run(t *testing.T, p Problem, n int, eval func(x []float64) Trial) []Trial {
	t.Helper()
	var trials []Trial
	for range n {
		x, err := p.Next(trials)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range p.Dims {
			if x[i] < d.Lo || x[i] > d.Hi || (d.Int && x[i] != math.Round(x[i])) {
				t.Fatalf("%v outside %+v", x, d)
			}
		}
		tr := eval(x)
		tr.X = x
		trials = append(trials, tr)
	}
	return trials
}

// The capacity question on a long integer range: throughput grows with
// concurrency, TTFT too; the best throughput under a TTFT SLA is at the
// SLA's boundary (c = 359). Both samplers get close within 20 runs.
func TestThroughputUnderSLA(t *testing.T) {
	surface := func(x []float64) Trial {
		c := x[0]
		return Trial{Y: 1000 * c / (c + 300), Violations: []float64{(20 + 0.5*c) - 200}}
	}
	for _, c := range []struct {
		sampler string
		tol     float64
	}{{"gp", 0.02}, {"tpe", 0.10}} {
		p := Problem{Dims: []Dim{{"concurrency", 1, 1000, true}}, Maximize: true, Initial: 5, Sampler: c.sampler, Seed: 7}
		trials := run(t, p, 20, surface)
		b := trials[Best(trials, true)]
		if !b.Feasible() || b.X[0] < 359*(1-c.tol) {
			t.Errorf("%s: best %v (feasible %v), want within %.0f %% below 359", c.sampler, b.X, b.Feasible(), c.tol*100)
		}
	}
}

// A noisy 2-D bowl with its top inside the box.
func TestNoisyBowl(t *testing.T) {
	noise := rand.New(rand.NewPCG(1, 2))
	surface := func(x []float64) Trial {
		return Trial{Y: 10 - (x[0]-30)*(x[0]-30)/100 - (x[1]-0.7)*(x[1]-0.7)*10 + 0.05*noise.NormFloat64()}
	}
	p := Problem{Dims: []Dim{{"a", 0, 100, false}, {"b", 0, 1, false}}, Maximize: true, Initial: 5, Sampler: "gp", Seed: 3}
	trials := run(t, p, 25, surface)
	b := trials[Best(trials, true)]
	if math.Abs(b.X[0]-30) > 8 || math.Abs(b.X[1]-0.7) > 0.15 {
		t.Errorf("best %v, want near (30, 0.7)", b.X)
	}
}

// Minimizing, with failed runs (NaN) in a region the planner must learn
// to avoid, and an infeasible start: the first points violate, yet the
// planner finds the feasible band and its best point.
func TestMinimizeWithFailuresAndInfeasibleStart(t *testing.T) {
	surface := func(x []float64) Trial {
		v := x[0]
		if v > 900 {
			return Trial{Y: math.NaN(), Violations: []float64{math.NaN()}}
		}
		return Trial{Y: (v - 600) * (v - 600), Violations: []float64{400 - v}} // feasible from 400
	}
	p := Problem{Dims: []Dim{{"x", 1, 1000, true}}, Maximize: false, Initial: 3, Sampler: "gp", Seed: 11}
	trials := run(t, p, 18, surface)
	b := trials[Best(trials, false)]
	if !b.Feasible() || math.Abs(b.X[0]-600) > 30 {
		t.Errorf("best %v (feasible %v), want near 600", b.X, b.Feasible())
	}
}

// The same trials and seed give the same point; the first points fill
// the box; another seed gives other points.
func TestPure(t *testing.T) {
	p := Problem{Dims: []Dim{{"a", 0, 1, false}, {"b", 1, 9, true}}, Maximize: true, Initial: 4, Seed: 5}
	var trials []Trial
	var firsts [][]float64
	for i := range 6 {
		x, _ := p.Next(trials)
		again, _ := p.Next(trials)
		if !slices.Equal(x, again) {
			t.Fatal("the same trials gave another point")
		}
		if i < 4 {
			firsts = append(firsts, x)
		}
		trials = append(trials, Trial{X: x, Y: x[0] + x[1]})
	}
	q := p
	q.Seed = 6
	if x, _ := q.Next(nil); slices.Equal(x, firsts[0]) {
		t.Error("another seed gave the same first point")
	}
	lo, hi := 1.0, 0.0
	for _, x := range firsts {
		lo, hi = math.Min(lo, x[0]), math.Max(hi, x[0])
	}
	if hi-lo < 0.4 {
		t.Errorf("the first points do not spread: %v", firsts)
	}
	if _, err := (Problem{}).Next(nil); err == nil {
		t.Error("an empty space")
	}
}

func TestStopping(t *testing.T) {
	s := Stopping{MaxIterations: 30, Patience: 3, Window: 4, Threshold: 0.01}
	tr := func(ys ...float64) []Trial {
		var out []Trial
		for _, y := range ys {
			out = append(out, Trial{Y: y})
		}
		return out
	}
	for _, c := range []struct {
		ys   []float64
		want string
	}{
		{[]float64{1, 2, 3}, ""},
		{[]float64{5, 1, 2, 3}, "improvement_patience"},
		{[]float64{10, 10.01, 10.02, 10.03}, "plateau_cv"},
		{[]float64{1, 5, 2, 9}, ""},
	} {
		if got := s.Reason(tr(c.ys...), true); got != c.want {
			t.Errorf("%v: %q, want %q", c.ys, got, c.want)
		}
	}
	if got := (Stopping{MaxIterations: 2}).Reason(tr(1, 2), true); got != "max_iterations" {
		t.Error(got)
	}
	if Best(tr(math.NaN()), true) != -1 || Best([]Trial{{Y: 9, Violations: []float64{1}}, {Y: 1}}, true) != 1 {
		t.Error("Best prefers feasible trials and skips failed ones")
	}
}

func TestCholesky(t *testing.T) {
	l, err := cholesky([][]float64{{4}, {2, 3}})
	if err != nil || math.Abs(l[1][1]-math.Sqrt(2)) > 1e-12 {
		t.Fatal(l, err)
	}
	if x := cholSolve(l, []float64{6, 5}); math.Abs(x[0]-1) > 1e-12 || math.Abs(x[1]-1) > 1e-12 {
		t.Error(x)
	}
	if _, err := cholesky([][]float64{{-1}}); err == nil {
		t.Error("not positive definite")
	}
}

// The regret bound ends a search once the model is sure of the box: not
// after the first points, but on a flat surface measured all over.
func TestRegretConverged(t *testing.T) {
	p := Problem{Dims: []Dim{{"x", 0, 1, false}}, Maximize: true, Initial: 3, Seed: 1}
	peaked := run(t, p, 3, func(x []float64) Trial { return Trial{Y: math.Sin(6 * x[0])} })
	if p.RegretConverged(peaked) {
		t.Error("three points of a curved surface ended the search")
	}
	var flat []Trial
	noise := rand.New(rand.NewPCG(4, 5))
	for i := range 30 {
		flat = append(flat, Trial{X: []float64{float64(i) / 29}, Y: 5 + 0.01*noise.NormFloat64()})
	}
	if !p.RegretConverged(flat) {
		t.Error("a flat surface measured all over did not end the search")
	}
}
