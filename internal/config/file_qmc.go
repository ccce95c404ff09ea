package config

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Space-filling sweeps of a config file (AIPerf's sweep types sobol and
// latin_hypercube): a budget of points spread over the dimensions' ranges,
// each a run. They become a zipped path sweep (each dimension a list of
// the points' values), and the design is kept for sampling_design.json.

// qmcDim is one dimension: a range (linear or log, whole or real) or
// choices.
type qmcDim struct {
	Path    string   `json:"path"`
	Lo      *float64 `json:"lo,omitempty"`
	Hi      *float64 `json:"hi,omitempty"`
	Scale   string   `json:"scale,omitempty"`
	Kind    string   `json:"kind,omitempty"`
	Choices []any    `json:"choices,omitempty"`
}

// SamplingDesign is sweep_aggregate/sampling_design.json.
type SamplingDesign struct {
	Sampler  string           `json:"sampler"`
	Samples  int              `json:"samples"`
	Seed     int64            `json:"seed"`
	Scramble bool             `json:"scramble"`
	Dims     []qmcDim         `json:"dimensions"`
	Mapped   []map[string]any `json:"samples_mapped"`
}

func (l *loader) qmc(kind string, v *yaml.Node) error {
	var body struct {
		Samples      int      `yaml:"samples"`
		Seed         int64    `yaml:"seed"`
		Scramble     *bool    `yaml:"scramble"`
		Optimization string   `yaml:"optimization"`
		Dims         []qmcDim `yaml:"dimensions"`
	}
	if err := snakeKeys(v).Decode(&body); err != nil {
		return l.errorf(v, "sweep: %v", err)
	}
	d := SamplingDesign{Sampler: kind, Samples: body.Samples, Seed: body.Seed, Scramble: body.Scramble == nil || *body.Scramble, Dims: body.Dims}
	if body.Samples < 2 {
		return l.errorf(v, "sweep: a %s sweep needs samples ≥ 2", kind)
	}
	if len(body.Dims) == 0 {
		return l.errorf(v, "sweep: a %s sweep needs dimensions: [{path, lo, hi}] or [{path, choices}]", kind)
	}
	for _, dim := range body.Dims {
		if err := dim.check(); err != nil {
			return l.errorf(v, "sweep.dimensions %s: %v", dim.Path, err)
		}
	}
	if kind == "sobol" && body.Samples&(body.Samples-1) != 0 {
		l.out.Warnings = append(l.out.Warnings, fmt.Sprintf("sweep: sobol balances best at a power of 2 samples, not %d", body.Samples))
	}
	var pts [][]float64
	if kind == "sobol" {
		pts = Sobol(body.Samples, len(body.Dims), uint64(body.Seed), d.Scramble)
	} else {
		pts = LatinHypercube(body.Samples, len(body.Dims), uint64(body.Seed))
	}
	params := &yaml.Node{Kind: yaml.MappingNode}
	for k, dim := range body.Dims {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, p := range pts {
			val := dim.at(p[k])
			list.Content = append(list.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprint(val)})
		}
		params.Content = append(params.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: dim.Path, Line: v.Line}, list)
	}
	for _, p := range pts {
		m := map[string]any{}
		for k, dim := range body.Dims {
			m[dim.Path] = dim.at(p[k])
		}
		d.Mapped = append(d.Mapped, m)
	}
	b, _ := json.Marshal(d)
	l.out.Flags["sampling-design"] = string(b)
	l.out.Flags["sweep-type"] = "zip"
	l.pathSweep = params
	return nil
}

func (d qmcDim) check() error {
	switch {
	case d.Path == "":
		return fmt.Errorf("a path is required")
	case len(d.Choices) > 0 && (d.Lo != nil || d.Hi != nil):
		return fmt.Errorf("lo/hi or choices, not both")
	case len(d.Choices) > 0:
		return nil
	case d.Lo == nil || d.Hi == nil || !(*d.Lo < *d.Hi):
		return fmt.Errorf("lo < hi (or choices) are required")
	case d.Scale == "log" && *d.Lo <= 0:
		return fmt.Errorf("a log scale needs lo > 0")
	case d.Scale != "" && d.Scale != "log" && d.Scale != "linear":
		return fmt.Errorf("scale %q is linear or log", d.Scale)
	case d.Kind != "" && d.Kind != "int" && d.Kind != "real":
		return fmt.Errorf("kind %q is int or real", d.Kind)
	}
	return nil
}

// at is the dimension's value at u in [0, 1).
func (d qmcDim) at(u float64) any {
	if len(d.Choices) > 0 {
		return d.Choices[min(int(u*float64(len(d.Choices))), len(d.Choices)-1)]
	}
	lo, hi := *d.Lo, *d.Hi
	x := lo + u*(hi-lo)
	if d.Scale == "log" {
		x = math.Exp(math.Log(lo) + u*(math.Log(hi)-math.Log(lo)))
	}
	if d.Kind == "int" {
		return int(math.Min(math.Max(math.Round(x), math.Ceil(lo)), math.Floor(hi)))
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

// sobolDirections are the primitive polynomials (degree s, coefficients
// a) and initial direction numbers m of Joe and Kuo's table for
// dimensions 2 to 10; dimension 1 is van der Corput's sequence.
func sobolDirections() [][]uint32 {
	return [][]uint32{ // s, a, m…
		{1, 0, 1}, {2, 1, 1, 3}, {3, 1, 1, 3, 1}, {3, 2, 1, 1, 1}, {4, 1, 1, 1, 3, 3},
		{4, 4, 1, 3, 5, 13}, {5, 2, 1, 1, 5, 5, 17}, {5, 4, 1, 1, 5, 5, 5}, {5, 7, 1, 1, 7, 11, 19},
	}
}

// Sobol is n points of the d-dimensional Sobol sequence (d ≤ 10), skipping
// the origin, each coordinate XOR-scrambled by a seeded random shift when
// scramble is set (a digital shift: the points keep their balance).
func Sobol(n, d int, seed uint64, scramble bool) [][]float64 {
	const bits = 32
	v := make([][bits]uint32, d)
	for k := range bits {
		v[0][k] = 1 << (31 - k)
	}
	for j := 1; j < d; j++ {
		dir := sobolDirections()[(j-1)%9]
		s, a, m := int(dir[0]), dir[1], dir[2:]
		for k := 0; k < s; k++ {
			v[j][k] = m[k] << (31 - k)
		}
		for k := s; k < bits; k++ {
			v[j][k] = v[j][k-s] ^ (v[j][k-s] >> s)
			for i := 1; i < s; i++ {
				if (a>>(s-1-i))&1 == 1 {
					v[j][k] ^= v[j][k-i]
				}
			}
		}
	}
	shift := make([]uint32, d)
	if scramble {
		r := rand.New(rand.NewPCG(seed, 0x736f626f6c))
		for j := range shift {
			shift[j] = r.Uint32()
		}
	}
	x := make([]uint32, d)
	out := make([][]float64, n)
	for i := range n {
		c := 0 // the lowest zero bit of i: Gray-code order
		for b := uint(i); b&1 == 1; b >>= 1 {
			c++
		}
		p := make([]float64, d)
		for j := range d {
			x[j] ^= v[j][c]
			p[j] = float64(x[j]^shift[j]) / (1 << 32)
		}
		out[i] = p
	}
	return out
}

// LatinHypercube is n points in [0,1)^d with exactly one in each of the n
// strata of every axis: a seeded permutation of the strata per axis, a
// uniform draw within each.
func LatinHypercube(n, d int, seed uint64) [][]float64 {
	r := rand.New(rand.NewPCG(seed, 0x6c6873))
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, d)
	}
	for j := range d {
		for i, s := range r.Perm(n) {
			out[i][j] = (float64(s) + r.Float64()) / float64(n)
		}
	}
	return out
}

// adaptive reads a sweep of type adaptive_search (AIPerf's Bayesian
// search in a config file) into the --search-* flags.
func (l *loader) adaptive(v *yaml.Node) error {
	var body struct {
		Type       string   `yaml:"type"`
		Planner    string   `yaml:"planner"`
		Sampler    string   `yaml:"optuna_sampler"`
		Space      []qmcDim `yaml:"search_space"`
		Objectives []struct {
			Metric, Stat, Direction string
		}
		Filters []struct {
			Metric    string `yaml:"metric_tag"`
			Stat, Op  string
			Threshold float64 `yaml:"threshold"`
		} `yaml:"sla_filters"`
		MaxIterations int    `yaml:"max_iterations"`
		Initial       int    `yaml:"n_initial_points"`
		Seed          *int64 `yaml:"random_seed"`
	}
	if err := snakeKeys(v).Decode(&body); err != nil {
		return l.errorf(v, "sweep: %v", err)
	}
	if len(body.Space) == 0 {
		return l.errorf(v, "sweep: adaptive_search needs search_space: [{path, lo, hi, kind}]")
	}
	var dims []any
	for _, d := range body.Space {
		if d.Lo == nil || d.Hi == nil {
			return l.errorf(v, "sweep.search_space %s: lo and hi are required", d.Path)
		}
		kind := d.Kind
		if kind == "" {
			kind = "real"
		}
		dims = append(dims, fmt.Sprintf("%s:%g,%g:%s", d.Path, *d.Lo, *d.Hi, kind))
	}
	l.out.Flags["search-space"] = dims
	if len(body.Objectives) != 1 {
		return l.errorf(v, "sweep: adaptive_search takes one objective (multi-objective Pareto search is not offered)")
	}
	o := body.Objectives[0]
	l.out.Flags["search-metric"], l.out.Flags["search-direction"] = o.Metric, o.Direction
	if o.Stat != "" {
		l.out.Flags["search-stat"] = o.Stat
	}
	var slas []any
	for _, f := range body.Filters {
		slas = append(slas, fmt.Sprintf("%s:%s:%s:%g", f.Metric, f.Stat, f.Op, f.Threshold))
	}
	if len(slas) > 0 {
		l.out.Flags["search-sla"] = slas
	}
	for flag, val := range map[string]any{"search-planner": body.Planner, "optuna-sampler": body.Sampler} {
		if val != "" {
			l.out.Flags[flag] = val
		}
	}
	if body.MaxIterations > 0 {
		l.out.Flags["search-max-iterations"] = strconv.Itoa(body.MaxIterations)
	}
	if body.Initial > 0 {
		l.out.Flags["search-initial-points"] = strconv.Itoa(body.Initial)
	}
	if body.Seed != nil {
		l.out.Flags["search-random-seed"] = strconv.FormatInt(*body.Seed, 10)
	}
	return nil
}

// snakeKeys is a copy of n with every mapping key in snake_case, for
// decoding a block whose keys may be camelCase.
func snakeKeys(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = snakeKeys(k)
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			c.Content[i].Value = snake(k.Value)
		}
	}
	return &c
}
