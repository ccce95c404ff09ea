package telemetry

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// SeriesResult summarises one series over the run. Gauges: statistics of
// the values scraped (each scrape weighs the same; scrapes are evenly
// spaced). Counters: the increase over the run (resets handled) and its
// rate. Histograms: the increase of every bucket, of the count and the sum,
// and percentiles estimated from the bucket increases (linear within a
// bucket, as Prometheus' histogram_quantile). Summaries: the last quantiles.
type SeriesResult struct {
	Labels    map[string]string  `json:"labels,omitempty"`
	Avg       *float64           `json:"avg,omitempty"`
	Min       *float64           `json:"min,omitempty"`
	Max       *float64           `json:"max,omitempty"`
	P50       *float64           `json:"p50,omitempty"`
	P90       *float64           `json:"p90,omitempty"`
	P99       *float64           `json:"p99,omitempty"`
	Last      *float64           `json:"last,omitempty"`
	Delta     *float64           `json:"delta,omitempty"`
	Rate      *float64           `json:"rate_per_sec,omitempty"`
	Count     *float64           `json:"count_delta,omitempty"`
	Sum       *float64           `json:"sum_delta,omitempty"`
	Buckets   []Bucket           `json:"bucket_deltas,omitempty"`
	Quantiles map[string]float64 `json:"quantiles,omitempty"`
}

// MetricResult is one metric with its series.
type MetricResult struct {
	Name   string         `json:"name"`
	Type   string         `json:"type"`
	Help   string         `json:"help,omitempty"`
	Series []SeriesResult `json:"series"`
}

// EndpointResult is one endpoint's metrics over the run.
type EndpointResult struct {
	URL       string         `json:"endpoint_url"`
	Scrapes   int            `json:"scrapes"`
	Errors    int            `json:"scrape_errors"`
	LastError string         `json:"last_error,omitempty"`
	StartNs   int64          `json:"start_ns"`
	EndNs     int64          `json:"end_ns"`
	Duration  float64        `json:"duration_sec"`
	Metrics   []MetricResult `json:"metrics"`
}

// Result is every endpoint's summary.
type Result struct {
	Endpoints []EndpointResult `json:"endpoints"`
}

// Lookup finds a metric's series of one endpoint.
func (e *EndpointResult) Lookup(name string) (*MetricResult, bool) {
	for i := range e.Metrics {
		if e.Metrics[i].Name == name {
			return &e.Metrics[i], true
		}
	}
	return nil, false
}

type seriesAcc struct {
	name, typ, help string
	labels          map[string]string
	first, last     Sample
	values          []float64 // gauges
	increase        float64   // counters, resets handled
	n               int
}

type endpointAcc struct {
	series          map[string]*seriesAcc
	scrapes         int
	firstNs, lastNs int64
}

func newEndpointAcc() *endpointAcc { return &endpointAcc{series: map[string]*seriesAcc{}} }

func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		b.WriteString("|" + k + "=" + labels[k])
	}
	return b.String()
}

func (e *endpointAcc) add(s *Scrape) {
	e.scrapes++
	if e.firstNs == 0 {
		e.firstNs = s.TimeNs
	}
	e.lastNs = s.TimeNs
	for _, f := range s.Families {
		for _, smp := range f.Samples {
			k := seriesKey(f.Name, smp.Labels)
			a := e.series[k]
			if a == nil {
				a = &seriesAcc{name: f.Name, typ: f.Type, help: f.Help, labels: smp.Labels, first: smp}
				e.series[k] = a
				if e.scrapes > 1 {
					// Born during the run (a label value seen for the first
					// time): it counted from 0 since the baseline.
					a.increase, a.first = smp.Value, Sample{}
				}
			} else if f.Type == "counter" {
				if d := smp.Value - a.last.Value; d >= 0 {
					a.increase += d
				} else {
					a.increase += smp.Value // the counter restarted from 0
				}
			}
			if f.Type == "gauge" || f.Type == "untyped" {
				a.values = append(a.values, smp.Value)
			}
			a.last = smp
			a.n++
		}
	}
}

func ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func (c *Collector) result() *Result {
	r := &Result{}
	urls := slices.Clone(c.urls)
	for u := range c.series {
		if !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	for _, u := range urls {
		er := EndpointResult{URL: Display(u), Errors: c.errs[u], LastError: c.lastErr[u]}
		if acc := c.series[u]; acc != nil {
			er.Scrapes, er.StartNs, er.EndNs = acc.scrapes, acc.firstNs, acc.lastNs
			er.Duration = float64(acc.lastNs-acc.firstNs) / 1e9
			er.Metrics = acc.metrics(er.Duration)
		}
		r.Endpoints = append(r.Endpoints, er)
	}
	return r
}

func (e *endpointAcc) metrics(dur float64) []MetricResult {
	byName := map[string]*MetricResult{}
	keys := make([]string, 0, len(e.series))
	for k := range e.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var names []string
	for _, k := range keys {
		a := e.series[k]
		m := byName[a.name]
		if m == nil {
			m = &MetricResult{Name: a.name, Type: a.typ, Help: a.help}
			byName[a.name] = m
			names = append(names, a.name)
		}
		m.Series = append(m.Series, a.result(dur))
	}
	out := make([]MetricResult, 0, len(names))
	for _, n := range names {
		out = append(out, *byName[n])
	}
	return out
}

func (a *seriesAcc) result(dur float64) SeriesResult {
	s := SeriesResult{Labels: a.labels}
	switch a.typ {
	case "gauge", "untyped":
		xs := slices.Clone(a.values)
		slices.Sort(xs)
		sum := 0.0
		for _, x := range xs {
			sum += x
		}
		s.Avg, s.Min, s.Max, s.Last = ptr(sum/float64(len(xs))), ptr(xs[0]), ptr(xs[len(xs)-1]), ptr(a.last.Value)
		s.P50, s.P90, s.P99 = ptr(pct(xs, 50)), ptr(pct(xs, 90)), ptr(pct(xs, 99))
	case "counter":
		s.Delta = ptr(a.increase)
		if dur > 0 {
			s.Rate = ptr(a.increase / dur)
		}
	case "histogram", "gaugehistogram":
		s.Count, s.Sum = ptr(a.last.Count-a.first.Count), ptr(a.last.Sum-a.first.Sum)
		s.Buckets = bucketDeltas(a.first.Buckets, a.last.Buckets)
		s.P50, s.P90, s.P99 = ptr(HistogramQuantile(0.5, s.Buckets)), ptr(HistogramQuantile(0.9, s.Buckets)), ptr(HistogramQuantile(0.99, s.Buckets))
		if *s.Count > 0 {
			s.Avg = ptr(*s.Sum / *s.Count)
		}
	case "summary":
		s.Quantiles = a.last.Quantiles
		s.Count, s.Sum = ptr(a.last.Count-a.first.Count), ptr(a.last.Sum-a.first.Sum)
	}
	return s
}

// pct is numpy's linear-interpolation percentile of sorted xs.
func pct(xs []float64, q float64) float64 {
	r := float64(len(xs)-1) * q / 100
	lo := int(r)
	hi := min(lo+1, len(xs)-1)
	return xs[lo] + (xs[hi]-xs[lo])*(r-float64(lo))
}

func bucketDeltas(first, last []Bucket) []Bucket {
	out := make([]Bucket, len(last))
	for i, b := range last {
		out[i] = Bucket{LE: b.LE, Count: b.Count}
		for _, f := range first {
			if f.LE == b.LE {
				out[i].Count -= f.Count
			}
		}
	}
	return out
}

// HistogramQuantile estimates the q-quantile of cumulative buckets as
// Prometheus does: linear within the bucket the rank falls in (from 0 for
// the first one), the last finite bound when it falls in +Inf. NaN when
// the histogram is empty.
func HistogramQuantile(q float64, bs []Bucket) float64 {
	if len(bs) == 0 || bs[len(bs)-1].Count <= 0 {
		return math.NaN()
	}
	total := bs[len(bs)-1].Count
	rank := q * total
	prevLE, prevCount := 0.0, 0.0
	for _, b := range bs {
		if b.Count >= rank {
			if math.IsInf(b.LE, 1) {
				return prevLE
			}
			if b.Count == prevCount {
				return b.LE
			}
			return prevLE + (b.LE-prevLE)*(rank-prevCount)/(b.Count-prevCount)
		}
		prevLE, prevCount = b.LE, b.Count
	}
	return prevLE
}

// QuantileBucket is the bucket the q-quantile falls in: the first whose
// cumulative count reaches q of the total; NaN bounds when there are no
// observations.
func QuantileBucket(q float64, bs []Bucket) Bounds {
	if len(bs) == 0 || bs[len(bs)-1].Count <= 0 {
		return Bounds{math.NaN(), math.NaN()}
	}
	rank := q * bs[len(bs)-1].Count
	lo := 0.0
	for _, b := range bs {
		if b.Count >= rank {
			return Bounds{lo, b.LE}
		}
		lo = b.LE
	}
	return Bounds{lo, math.Inf(1)}
}

// MarshalJSON writes a bucket as Prometheus labels it: {"le": "0.5"}, and
// "+Inf" for the last one (JSON has no infinity).
func (b Bucket) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		LE    string  `json:"le"`
		Count float64 `json:"count"`
	}{b.label(), b.Count})
}

// UnmarshalJSON reads what MarshalJSON writes ("+Inf" included), so a run's
// server-metrics file reads back as it was written (sonde merge).
func (b *Bucket) UnmarshalJSON(data []byte) error {
	var v struct {
		LE    string  `json:"le"`
		Count float64 `json:"count"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	le, err := strconv.ParseFloat(v.LE, 64) // ParseFloat reads "+Inf"
	if err != nil {
		return fmt.Errorf("bucket le %q: %w", v.LE, err)
	}
	b.LE, b.Count = le, v.Count
	return nil
}

// label is the bucket's "le" as Prometheus writes it.
func (b Bucket) label() string {
	if math.IsInf(b.LE, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(b.LE, 'g', -1, 64)
}
