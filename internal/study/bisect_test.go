package study

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// scripted is a response surface: a load passes when pass(x); every probe
// is recorded, as the real searcher records them.
type scripted struct {
	pass   func(x float64) bool
	probes []Probe
	budget int
}

func (s *scripted) probe(x float64) (bool, error) {
	for _, p := range s.probes {
		if p.Value == x {
			return p.Passed, nil
		}
	}
	if s.budget > 0 && len(s.probes) >= s.budget {
		return false, errBudget
	}
	s.probes = append(s.probes, Probe{Value: x, Passed: s.pass(x)})
	return s.pass(x), nil
}

func (s *scripted) values() []float64 {
	var out []float64
	for _, p := range s.probes {
		out = append(out, p.Value)
	}
	return out
}

func below(c float64) func(float64) bool { return func(x float64) bool { return x <= c } }

// A capacity of 20 in 1–64: doubling to 32 (the first failure), then
// bisection down to 20 exactly; swapping pass and fail anywhere changes the
// probes or the answer.
func TestSearchFindsCapacity(t *testing.T) {
	s := &scripted{pass: below(20)}
	if err := Search(Space{Lo: 1, Hi: 64, Resolution: 1, Integer: true}, s.probe); err != nil {
		t.Fatal(err)
	}
	if want := []float64{1, 2, 4, 8, 16, 32, 24, 20, 22, 21}; !slices.Equal(s.values(), want) {
		t.Errorf("probes %v, want %v", s.values(), want)
	}
	if ans, mono := Answer(s.probes); ans == nil || *ans != 20 || !mono {
		t.Errorf("answer %v (monotonic %v), want 20", ans, mono)
	}
}

// Every capacity in long ranges is found exactly, in O(log(hi/lo)) probes;
// rates to within the resolution.
func TestSearchLongRanges(t *testing.T) {
	for _, c := range []float64{1, 2, 3, 20, 63, 64, 777, 4095, 99999, 100000} {
		s := &scripted{pass: below(c)}
		if err := Search(Space{Lo: 1, Hi: 100000, Resolution: 1, Integer: true}, s.probe); err != nil {
			t.Fatal(err)
		}
		if ans, _ := Answer(s.probes); ans == nil || *ans != c || len(s.probes) > 2*17+2 {
			t.Errorf("capacity %v: answer %v after %d probes %v", c, ans, len(s.probes), s.values())
		}
	}
	for _, c := range []float64{0.7, 13.3, 480} {
		s := &scripted{pass: below(c)}
		sp := Space{Lo: 0.5, Hi: 500, Resolution: 500 * 0.02}
		if err := Search(sp, s.probe); err != nil {
			t.Fatal(err)
		}
		ans, _ := Answer(s.probes)
		if ans == nil || *ans > c || c-*ans > sp.Resolution {
			t.Errorf("rate capacity %v: answer %v, probes %v", c, ans, s.values())
		}
	}
}

// The ends: nothing passes, everything passes, a noisy curve, the budget,
// and a probe that fails to run.
func TestSearchEdges(t *testing.T) {
	s := &scripted{pass: below(0)}
	Search(Space{Lo: 4, Hi: 64, Resolution: 1, Integer: true}, s.probe)
	if ans, _ := Answer(s.probes); ans != nil || len(s.probes) != 1 {
		t.Errorf("nothing passes: %v after %v", ans, s.values())
	}
	s = &scripted{pass: below(1000)}
	Search(Space{Lo: 4, Hi: 64, Resolution: 1, Integer: true}, s.probe)
	if ans, _ := Answer(s.probes); ans == nil || *ans != 64 || !slices.Equal(s.values(), []float64{4, 8, 16, 32, 64}) {
		t.Errorf("everything passes: %v after %v", ans, s.values())
	}
	// A pass above a failure (the search itself never probes there, but a
	// noisy server can fail low after passing high in an earlier study).
	probes := []Probe{{Value: 8, Passed: true}, {Value: 16, Passed: false}, {Value: 24, Passed: true}, {Value: 12, Passed: true}}
	if ans, mono := Answer(probes); mono || ans == nil || *ans != 12 {
		t.Errorf("a pass above a failure: answer %v, monotonic %v", ans, mono)
	}
	s = &scripted{pass: below(20), budget: 3}
	if err := Search(Space{Lo: 1, Hi: 64, Resolution: 1, Integer: true}, s.probe); !errors.Is(err, errBudget) || len(s.probes) != 3 {
		t.Errorf("budget: %v after %v", err, s.values())
	}
	boom := errors.New("interrupted")
	err := Search(Space{Lo: 1, Hi: 64, Resolution: 1, Integer: true}, func(x float64) (bool, error) {
		if x > 2 {
			return false, boom
		}
		return true, nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("a probe's error: %v", err)
	}
}

func ExampleSearch() {
	s := &scripted{pass: below(20)}
	Search(Space{Lo: 1, Hi: 64, Resolution: 1, Integer: true}, s.probe)
	ans, _ := Answer(s.probes)
	fmt.Println(*ans, len(s.probes))
	// Output: 20 10
}
