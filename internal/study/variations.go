// Package study turns runs into answers: parameter sweeps, repeated runs
// with confidence intervals, and the SLO capacity search. Each run is a
// normal `sonde profile` run (profile.Measure) in its own folder; a study
// only chooses the runs' flags and aggregates their summaries.
package study

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
)

// Param is one swept parameter's value in a variation.
type Param struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// Variation is one point of a sweep: its parameter values, and the flags
// that run it.
type Variation struct {
	Index  int
	Label  string  // concurrency_10, request_rate_2.5, isl_128_osl_64, …
	Params []Param // in the order of the sweep's axes
	apply  []func(p *config.Profile)
}

// Apply sets the variation's values on a copy of the base profile.
func (v *Variation) Apply(base *config.Profile) *config.Profile {
	p := copyProfile(base)
	p.ISLOSLPairs = ""
	for _, f := range v.apply {
		f(p)
	}
	p.ResolveLists()
	return p
}

// copyProfile is a run's own copy of the study's profile: the list flags a
// run sets are copied, never shared with the base or another run.
func copyProfile(base *config.Profile) *config.Profile {
	p := *base
	p.ConcurrencyList, p.RequestRateList, p.UserCentricRateList = clone(base.ConcurrencyList), clone(base.RequestRateList), clone(base.UserCentricRateList)
	return &p
}

func clone[T any](xs []T) []T { return append([]T(nil), xs...) }

// axis is one swept parameter with its values.
type axis struct {
	name   string
	labels []string
	values []any
	set    []func(p *config.Profile)
}

// Variations is the grid of every list flag's values, in the order the
// flags are documented (concurrency, request rate, user-centric rate,
// ISL/OSL pairs); a profile with no list gives one variation, "base".
func Variations(p *config.Profile) ([]Variation, error) {
	if p.HasScenarios() {
		return scenarioVariations(p)
	}
	var axes []axis
	if len(p.ConcurrencyList) > 1 {
		a := axis{name: "concurrency"}
		for _, c := range p.ConcurrencyList {
			a.labels = append(a.labels, fmt.Sprintf("concurrency_%d", c))
			a.values = append(a.values, c)
			a.set = append(a.set, func(p *config.Profile) { p.ConcurrencyList = []int{c} })
		}
		axes = append(axes, a)
	}
	rates := func(name string, xs []float64, set func(p *config.Profile, x float64)) {
		if len(xs) < 2 {
			return
		}
		a := axis{name: name}
		for _, x := range xs {
			a.labels = append(a.labels, name+"_"+strconv.FormatFloat(x, 'f', -1, 64))
			a.values = append(a.values, x)
			a.set = append(a.set, func(p *config.Profile) { set(p, x) })
		}
		axes = append(axes, a)
	}
	rates("request_rate", p.RequestRateList, func(p *config.Profile, x float64) { p.RequestRateList = []float64{x} })
	rates("user_centric_rate", p.UserCentricRateList, func(p *config.Profile, x float64) { p.UserCentricRateList = []float64{x} })
	if p.ISLOSLPairs != "" {
		pairs, err := ParsePairs(p.ISLOSLPairs)
		if err != nil {
			return nil, err
		}
		a := axis{name: "isl_osl"}
		for _, pr := range pairs {
			a.labels = append(a.labels, fmt.Sprintf("isl_%d_osl_%d", pr[0], pr[1]))
			a.values = append(a.values, fmt.Sprintf("%d:%d", pr[0], pr[1]))
			a.set = append(a.set, func(p *config.Profile) {
				osl := pr[1]
				p.InputTokensMean, p.OutputTokensMean = pr[0], &osl
			})
		}
		axes = append(axes, a)
	}
	if p.SweepType == "zip" && len(axes) > 1 {
		return zipped(axes)
	}
	out := []Variation{{Label: "base"}}
	for _, a := range axes {
		var next []Variation
		for _, v := range out {
			for i := range a.values {
				w := Variation{Params: append(clone(v.Params), Param{a.name, a.values[i]}),
					apply: append(clone(v.apply), a.set[i])}
				w.Label = a.labels[i]
				if v.Label != "base" {
					w.Label = v.Label + "-" + a.labels[i]
				}
				next = append(next, w)
			}
		}
		out = next
	}
	for i := range out {
		out[i].Index = i
	}
	return out, nil
}

// scenarioVariations are a scenario sweep's runs, one per scenario, in
// order (--sweep-scenario; a config file's sweep of type scenarios).
func scenarioVariations(p *config.Profile) ([]Variation, error) {
	scs, err := p.Scenarios()
	if err != nil {
		return nil, err
	}
	out := make([]Variation, len(scs))
	for i, sc := range scs {
		out[i] = Variation{Index: i, Label: sc.Name, Params: []Param{{"scenario", sc.Name}},
			apply: []func(p *config.Profile){func(p *config.Profile) { _ = p.ApplyScenario(sc) }}} // checked by Validate
	}
	return out, nil
}

// zipped pairs the axes element by element (--sweep-type zip): variation i
// takes every axis's i-th value.
func zipped(axes []axis) ([]Variation, error) {
	n := len(axes[0].values)
	for _, a := range axes[1:] {
		if len(a.values) != n {
			return nil, fmt.Errorf("--sweep-type zip: %s has %d values and %s %d; zipped lists are as long as each other", axes[0].name, n, a.name, len(a.values))
		}
	}
	out := make([]Variation, n)
	for i := range out {
		var labels []string
		for _, a := range axes {
			out[i].Params = append(out[i].Params, Param{a.name, a.values[i]})
			out[i].apply = append(out[i].apply, a.set[i])
			labels = append(labels, a.labels[i])
		}
		out[i].Index, out[i].Label = i, strings.Join(labels, "-")
	}
	return out, nil
}

// ParsePairs reads --isl-osl-pairs (config's).
func ParsePairs(s string) ([][2]int, error) { return config.ParsePairs(s) }

// sweepName names a sweep's folder: the swept parameters joined.
func sweepName(vs []Variation) string {
	var names []string
	for _, p := range vs[0].Params {
		names = append(names, p.Name)
	}
	return strings.Join(names, "_") + "_sweep"
}
