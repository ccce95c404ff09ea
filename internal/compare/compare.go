// Package compare tells whether run B differs from run A: every headline
// number side by side, the change, and whether it is significant given
// the runs' spread — the confidence intervals of repeated runs when both
// have them, else a Mann–Whitney test on the per-request values. Rules
// such as "time_to_first_token.p99>+10%" turn it into a CI gate.
package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// Alpha is the significance level of the tests.
const Alpha = 0.05

// Run is one side: a run folder, or a repeated-runs study folder (its
// aggregate).
type Run struct {
	Dir    string
	values map[string]number     // by metrics.Headline.Key
	perReq map[string][]float64  // per-request values by tag, display units
	ci     map[string][2]float64 // by Key: the confidence interval (repeated runs)
}

type number struct {
	x    float64
	unit string
}

// Load reads a run folder (profile_export_aiperf.json, and the records for
// the tests) or a study folder with aggregate/profile_export_aiperf_aggregate.json.
func Load(dir string) (*Run, error) {
	r := &Run{Dir: dir, values: map[string]number{}, perReq: map[string][]float64{}, ci: map[string][2]float64{}}
	if agg, err := os.ReadFile(filepath.Join(dir, "aggregate", "profile_export_aiperf_aggregate.json")); err == nil {
		return r, r.loadAggregate(agg)
	}
	rd, err := export.Open(dir, "")
	if err != nil {
		return nil, err
	}
	sum, err := rd.Summary()
	if err != nil {
		return nil, fmt.Errorf("%s is neither a run folder nor a repeated-runs study: %w", dir, err)
	}
	for tag, block := range sum.Metrics {
		for stat, x := range block.Stats {
			if stat != "count" && stat != "sum" {
				r.values[metrics.Headline{Tag: tag, Stat: stat}.Key()] = number{x, block.Unit}
			}
		}
	}
	if _, err := os.Stat(rd.Files.Records()); err == nil {
		_, err := rd.Records(func(rec *record.Record, v *metrics.Values) {
			if rec.Phase != record.PhaseProfiling {
				return
			}
			for i := range metrics.NumRecordMetrics {
				if x, ok := v.Get(i); ok {
					d := metrics.RecordDef(i)
					r.perReq[d.Tag] = append(r.perReq[d.Tag], x*d.Scale)
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Run) loadAggregate(data []byte) error {
	var agg struct {
		Metrics map[string]struct {
			Mean   float64  `json:"mean"`
			CILow  *float64 `json:"ci_low"`
			CIHigh *float64 `json:"ci_high"`
			Unit   string   `json:"unit"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(data, &agg); err != nil {
		return fmt.Errorf("%s: %w", r.Dir, err)
	}
	for k, m := range agg.Metrics { // keyed as metrics.Headline.Key
		r.values[k] = number{m.Mean, m.Unit}
		if m.CILow != nil && m.CIHigh != nil {
			r.ci[k] = [2]float64{*m.CILow, *m.CIHigh}
		}
	}
	return nil
}

// Row is one number compared.
type Row struct {
	metrics.Headline
	Unit   string
	A, B   float64
	Change float64 // (B − A)/A × 100; NaN when A is 0
	// Significant is set when a test could be made; Test names it.
	Significant *bool
	Test        string
}

// Compare makes the rows for hs (metrics.Headlines(metrics.InCompare) when
// empty) present in both.
func Compare(a, b *Run, hs []metrics.Headline) []Row {
	if len(hs) == 0 {
		hs = metrics.Headlines(metrics.InCompare)
	}
	var out []Row
	for _, h := range hs {
		k := h.Key()
		x, ok1 := a.values[k]
		y, ok2 := b.values[k]
		if !ok1 || !ok2 {
			continue
		}
		row := Row{Headline: h, Unit: x.unit, A: x.x, B: y.x, Change: math.NaN()}
		if x.x != 0 {
			row.Change = (y.x - x.x) / math.Abs(x.x) * 100
		}
		switch ca, cb, both := a.ci[k], b.ci[k], hasBoth(a.ci, b.ci, k); {
		case both:
			sig := ca[1] < cb[0] || cb[1] < ca[0]
			row.Significant, row.Test = &sig, "confidence intervals"
		case len(a.perReq[h.Tag]) >= 2 && len(b.perReq[h.Tag]) >= 2:
			p := metrics.MannWhitney(a.perReq[h.Tag], b.perReq[h.Tag])
			if !math.IsNaN(p) {
				sig := p < Alpha
				row.Significant, row.Test = &sig, fmt.Sprintf("Mann-Whitney p=%.3g", p)
			}
		}
		out = append(out, row)
	}
	return out
}

func hasBoth(a, b map[string][2]float64, k string) bool {
	_, ok1 := a[k]
	_, ok2 := b[k]
	return ok1 && ok2
}

// Rule is a regression gate: "time_to_first_token.p99>+10%" fails when B's
// p99 TTFT is more than 10 % above A's; "request_error_rate.avg>1" when B's
// value is above 1; "<" the other way.
type Rule struct {
	Text string
	metrics.Headline
	Greater bool
	Limit   float64
	Percent bool // the limit is a change in percent; else a value of B
}

// ParseRule reads a --fail-if rule.
// ParseRules reads every --fail-if rule; the first bad one is an error.
func ParseRules(ss []string) ([]Rule, error) {
	var rules []Rule
	for _, s := range ss {
		r, err := ParseRule(s)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func ParseRule(s string) (Rule, error) {
	r := Rule{Text: s}
	i := strings.IndexAny(s, "<>")
	if i <= 0 {
		return r, fmt.Errorf("--fail-if %q: write METRIC.STAT>LIMIT or METRIC.STAT<LIMIT, e.g. time_to_first_token.p99>+10%%", s)
	}
	h, err := metrics.ParseHeadline(strings.TrimSpace(s[:i]))
	if err != nil {
		return r, fmt.Errorf("--fail-if %q: write METRIC.STAT>LIMIT or METRIC.STAT<LIMIT, e.g. time_to_first_token.p99>+10%%", s)
	}
	r.Headline, r.Greater = h, s[i] == '>'
	lim := strings.TrimSpace(s[i+1:])
	if strings.HasSuffix(lim, "%") {
		r.Percent, lim = true, strings.TrimSuffix(lim, "%")
	}
	x, err := strconv.ParseFloat(lim, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return r, fmt.Errorf("--fail-if %q: %q is not a number", s, lim)
	}
	r.Limit = x
	return r, nil
}

// ErrMissing means a rule's number is not in both runs.
var ErrMissing = errors.New("not in both runs")

// Check reports whether the rule is broken by B against A.
func (r Rule) Check(a, b *Run) (broken bool, err error) {
	rows := Compare(a, b, []metrics.Headline{r.Headline})
	if len(rows) == 0 {
		return false, fmt.Errorf("--fail-if %q: %s %w", r.Text, r.Rule(), ErrMissing)
	}
	x := rows[0].B
	if r.Percent {
		x = rows[0].Change
		if math.IsNaN(x) {
			return false, fmt.Errorf("--fail-if %q: %s is 0 in A: no change in percent", r.Text, r.Rule())
		}
	}
	if r.Greater {
		return x > r.Limit, nil
	}
	return x < r.Limit, nil
}
