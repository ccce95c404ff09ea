// Package dist is the sampling distributions of lengths that AIPerf's
// config files write (--isl-distribution, --osl-distribution): fixed,
// normal, log-normal, percentile, multimodal and empirical, with clamps.
package dist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Dist is a sampling distribution of a length, in AIPerf's YAML shapes
// (--isl-distribution, --osl-distribution, a config file's `isl:` and
// `osl:` mappings). The shape follows from the keys written, checked in
// AIPerf's order: peaks (a mixture), points (weighted values), p50/p99 (a
// log-normal through both), median (log-normal by mean and median),
// stddev or mean (normal), value (fixed); `type` may name it instead.
// min and max clamp every sample.
type Dist struct {
	Type   string   `json:"type,omitempty"`
	Value  *float64 `json:"value,omitempty"`
	Mean   *float64 `json:"mean,omitempty"`
	Stddev *float64 `json:"stddev,omitempty"`
	Median *float64 `json:"median,omitempty"`
	P50    *float64 `json:"p50,omitempty"`
	P99    *float64 `json:"p99,omitempty"`
	Peaks  []Dist   `json:"peaks,omitempty"`
	Points []Dist   `json:"points,omitempty"`
	Weight *float64 `json:"weight,omitempty"`
	Min    *float64 `json:"min,omitempty"`
	Max    *float64 `json:"max,omitempty"`

	kind string
	// mu and sigma are a log-normal's parameters; cum the cumulative
	// weights of peaks or points.
	mu, sigma float64
	cum       []float64
}

// z99 is the standard normal's 99th percentile.
const z99 = 2.3263478740408408

// ParseDist reads a distribution written as JSON (a YAML mapping becomes
// JSON in a config file), or a bare number (fixed).
func ParseDist(s string) (*Dist, error) {
	var d Dist
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if v, err := parseNumber(s); err == nil {
		d.Value = &v
	} else if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%q is neither a number nor a distribution (keys: value, mean, stddev, median, p50, p99, peaks, points, weight, min, max, type): %v", s, err)
	}
	if err := d.resolve(true); err != nil {
		return nil, err
	}
	return &d, nil
}

func parseNumber(s string) (float64, error) {
	var v float64
	err := json.Unmarshal([]byte(strings.TrimSpace(s)), &v)
	return v, err
}

// resolve infers the shape, checks it and precomputes its parameters.
func (d *Dist) resolve(top bool) error {
	d.kind = d.Type
	if d.kind == "" {
		d.kind = d.infer()
	}
	if d.Weight != nil && (top || *d.Weight <= 0) {
		if top {
			return errors.New("weight belongs to a peak or a point")
		}
		return fmt.Errorf("weight %g must be above 0", *d.Weight)
	}
	if err := d.check(); err != nil {
		return err
	}
	if d.Min != nil && d.Max != nil && *d.Min > *d.Max {
		return fmt.Errorf("min %g is above max %g", *d.Min, *d.Max)
	}
	for _, b := range []*float64{d.Min, d.Max} {
		if b != nil && (math.IsNaN(*b) || math.IsInf(*b, 0)) {
			return errors.New("min and max must be finite")
		}
	}
	return nil
}

func (d *Dist) infer() string {
	switch {
	case d.Peaks != nil:
		return "multimodal"
	case d.Points != nil:
		return "empirical"
	case d.P50 != nil || d.P99 != nil:
		return "percentile"
	case d.Median != nil:
		return "lognormal"
	case d.Stddev != nil, d.Mean != nil:
		return "normal"
	case d.Value != nil:
		return "fixed"
	}
	return ""
}

// check validates the keys of the shape and computes its parameters.
func (d *Dist) check() error {
	only := func(keys ...string) error {
		for k, set := range map[string]bool{"value": d.Value != nil, "mean": d.Mean != nil, "stddev": d.Stddev != nil,
			"median": d.Median != nil, "p50": d.P50 != nil, "p99": d.P99 != nil, "peaks": d.Peaks != nil, "points": d.Points != nil} {
			if set && !slices.Contains(keys, k) {
				return fmt.Errorf("%s: %s is not a key of this shape (it takes %s)", d.kind, k, strings.Join(keys, ", "))
			}
		}
		return nil
	}
	switch d.kind {
	case "fixed":
		if d.Value == nil || *d.Value < 0 {
			return errors.New("fixed: value ≥ 0 is required")
		}
		return only("value")
	case "normal":
		if d.Mean == nil || *d.Mean < 0 || (d.Stddev != nil && *d.Stddev < 0) {
			return errors.New("normal: mean ≥ 0 is required, and stddev ≥ 0")
		}
		return only("mean", "stddev")
	case "lognormal":
		if d.Mean == nil || d.Median == nil || *d.Median <= 0 || *d.Median > *d.Mean {
			return errors.New("lognormal: mean and median above 0 are required, median ≤ mean")
		}
		// median = e^μ, mean = e^(μ+σ²/2).
		d.mu, d.sigma = math.Log(*d.Median), math.Sqrt(2*math.Log(*d.Mean / *d.Median))
		return only("mean", "median")
	case "percentile":
		return d.percentile(only)
	case "multimodal", "empirical":
		return d.mixture(only)
	}
	return fmt.Errorf("no shape: give value, mean (and stddev or median), p50 and p99, peaks or points (type %q)", d.Type)
}

func (d *Dist) percentile(only func(...string) error) error {
	if d.P50 == nil || d.P99 == nil || *d.P50 <= 0 || *d.P99 <= *d.P50 {
		return errors.New("percentile: p50 above 0 and p99 above p50 are required")
	}
	if d.Mean != nil {
		return fmt.Errorf("percentile: a mean target (a fitted mixture) is not supported; drop mean to use the log-normal through p50 and p99 (its mean is %.4g)",
			*d.P50*math.Exp(math.Pow(math.Log(*d.P99 / *d.P50)/z99, 2)/2))
	}
	d.mu, d.sigma = math.Log(*d.P50), math.Log(*d.P99 / *d.P50)/z99
	return only("p50", "p99")
}

func (d *Dist) mixture(only func(...string) error) error {
	parts, key := d.Peaks, "peaks"
	if d.kind == "empirical" {
		parts, key = d.Points, "points"
		if len(parts) < 1 {
			return errors.New("empirical: at least one point is required")
		}
	} else if len(parts) < 2 {
		return errors.New("multimodal: at least 2 peaks are required")
	}
	total := 0.0
	for i := range parts {
		p := &parts[i]
		if d.kind == "empirical" && (p.Value == nil || p.infer() != "fixed") {
			return fmt.Errorf("empirical: point %d needs a value (and a weight)", i+1)
		}
		if err := p.resolve(false); err != nil {
			return fmt.Errorf("%s %d: %w", key, i+1, err)
		}
		w := 1.0
		if p.Weight != nil {
			w = *p.Weight
		}
		total += w
		d.cum = append(d.cum, total)
	}
	for i := range d.cum {
		d.cum[i] /= total
	}
	return only(key)
}

// Sample draws one length: a whole number ≥ 0, clamped to min and max.
func (d *Dist) Sample(r *rand.Rand) int {
	return int(math.Ceil(d.clamp(d.draw(r))))
}

func (d *Dist) draw(r *rand.Rand) float64 {
	switch d.kind {
	case "fixed":
		return *d.Value
	case "normal":
		sd := 0.0
		if d.Stddev != nil {
			sd = *d.Stddev
		}
		return PositiveNormal(r, *d.Mean, sd)
	case "lognormal", "percentile":
		return math.Exp(d.mu + d.sigma*r.NormFloat64())
	}
	parts := d.Peaks
	if d.kind == "empirical" {
		parts = d.Points
	}
	u := r.Float64()
	i, _ := slices.BinarySearch(d.cum, u)
	i = min(i, len(parts)-1)
	return parts[i].clamp(parts[i].draw(r))
}

func (d *Dist) clamp(v float64) float64 {
	if d.Min != nil {
		v = max(v, *d.Min)
	}
	if d.Max != nil {
		v = min(v, *d.Max)
	}
	return max(v, 0)
}

// Expected is the distribution's mean before clamping (the clamped mean
// of a mixture's parts): what a run's notes state as the average.
func (d *Dist) Expected() float64 {
	switch d.kind {
	case "fixed":
		return *d.Value
	case "normal":
		return *d.Mean
	case "lognormal", "percentile":
		return math.Exp(d.mu + d.sigma*d.sigma/2)
	}
	parts, prev, mean := d.Peaks, 0.0, 0.0
	if d.kind == "empirical" {
		parts = d.Points
	}
	for i := range parts {
		mean += (d.cum[i] - prev) * parts[i].Expected()
		prev = d.cum[i]
	}
	return mean
}

// String is the distribution as JSON, as it was written.
func (d *Dist) String() string {
	b, _ := json.Marshal(d)
	return string(b)
}

// PositiveNormal draws x ~ Normal(mean, stddev) rejection-sampled to x ≥ 0
// (AIPerf's sample_positive_normal); stddev 0 returns mean.
func PositiveNormal(r *rand.Rand, mean, stddev float64) float64 {
	if stddev <= 0 {
		return mean
	}
	for i := 0; i < 1000; i++ {
		if x := mean + stddev*r.NormFloat64(); x >= 0 {
			return x
		}
	}
	return math.Max(mean, 0)
}
