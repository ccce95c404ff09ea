package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/export/exporttest"
	"github.com/sonde-bench/sonde/internal/metrics"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

func fixture(t *testing.T, sh exporttest.Shape) *Run {
	t.Helper()
	dir := t.TempDir()
	if _, err := exporttest.Write(dir, sh); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// B's first tokens come 5 ms later than A's on 40 requests each: every
// TTFT number changes and the Mann–Whitney test calls it significant;
// ITL does not change (every value equal: no test can tell). The table and
// the gates, byte for byte.
func TestCompareRuns(t *testing.T) {
	base := exporttest.Shape{Sessions: 20, Turns: 2, Tokens: 5, TTFT: 20 * time.Millisecond, ITL: 2 * time.Millisecond, Slow: 100 * time.Microsecond}
	a := fixture(t, base)
	slow := base
	slow.TTFT += 5 * time.Millisecond
	slow.FailLast = 2
	b := fixture(t, slow)
	rows := Compare(a, b, nil)
	byKey := map[string]Row{}
	for _, r := range rows {
		byKey[r.Rule()] = r
	}
	if r := byKey["time_to_first_token.p50"]; r.Significant == nil || !*r.Significant || r.Change <= 0 {
		t.Errorf("TTFT p50: %+v", r)
	}
	if r := byKey["inter_token_latency.avg"]; r.Significant != nil && *r.Significant {
		t.Errorf("ITL did not change, yet: %+v", r)
	}
	var out bytes.Buffer
	Print(&out, rows)
	var rules []Rule
	for _, s := range []string{"time_to_first_token.p99>+10%", "request_error_rate.avg>1", "inter_token_latency.avg<0"} {
		r, err := ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	failed, err := Gate(&out, rules, a, b)
	if err != nil || failed != 2 {
		t.Errorf("%d rules failed (%v), want 2", failed, err)
	}
	sondetest.Golden(t, "compare", out.Bytes())
	r, _ := ParseRule("goodput.p99>1")
	if _, err := Gate(&out, []Rule{r}, a, b); !errors.Is(err, ErrMissing) {
		t.Errorf("a number neither run has: %v", err)
	}
}

// Repeated-runs studies are compared by their confidence intervals.
func TestCompareStudies(t *testing.T) {
	study := func(mean, lo, hi float64) string {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "aggregate"), 0o755)
		b, _ := json.Marshal(map[string]any{"metrics": map[string]any{
			"time_to_first_token_p99": map[string]any{"mean": mean, "ci_low": lo, "ci_high": hi, "unit": "ms"},
			"request_throughput_avg":  map[string]any{"mean": 0, "unit": "requests/sec"}}})
		os.WriteFile(filepath.Join(dir, "aggregate", "profile_export_aiperf_aggregate.json"), b, 0o644)
		return dir
	}
	a, err := Load(study(10, 9, 11))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mean, lo, hi float64
		sig          bool
	}{{15, 14, 16, true}, {10.5, 9.5, 11.5, false}} {
		b, _ := Load(study(c.mean, c.lo, c.hi))
		rows := Compare(a, b, []metrics.Headline{{Tag: "time_to_first_token", Stat: "p99"}})
		if len(rows) != 1 || rows[0].Significant == nil || *rows[0].Significant != c.sig || rows[0].Test != "confidence intervals" {
			t.Errorf("%v: %+v", c, rows)
		}
	}
	b, _ := Load(study(10, 9, 11))
	r, _ := ParseRule("request_throughput.avg<+5%")
	if _, err := r.Check(a, b); err == nil || !strings.Contains(err.Error(), "is 0 in A") {
		t.Errorf("a change from 0: %v", err)
	}
}

func TestLoadAndRuleErrors(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither a run folder nor a repeated-runs study") {
		t.Errorf("an empty folder: %v", err)
	}
	if _, err := Load("/no/such/dir"); err == nil {
		t.Error("a missing folder")
	}
	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, "aggregate"), 0o755)
	os.WriteFile(filepath.Join(bad, "aggregate", "profile_export_aiperf_aggregate.json"), []byte("{"), 0o644)
	if _, err := Load(bad); err == nil {
		t.Error("a broken aggregate")
	}
	for _, s := range []string{"ttft>1", "time_to_first_token.p99", "time_to_first_token.p99>x%", "request_latency.avg<NaN"} {
		if _, err := ParseRule(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
