package telemetry

import (
	"math"
	"strings"
	"testing"
)

func scrape(t *testing.T, text string, at int64) *Scrape {
	t.Helper()
	fams, err := parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return &Scrape{Endpoint: "e", TimeNs: at, Families: fams}
}

// Counters: the increase over the run, a restart counted from 0, and a
// series born during the run counted from 0. Gauges: statistics of the
// values. Histograms: bucket increases and estimated percentiles.
func TestSummaries(t *testing.T) {
	e := newEndpointAcc()
	e.add(scrape(t, "# TYPE c counter\nc 10\n# TYPE g gauge\ng 1\n# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 5\nh_bucket{le=\"+Inf\"} 5\nh_sum 3\nh_count 5\n", 1e9))
	e.add(scrape(t, "# TYPE c counter\nc 15\nc{reason=\"stop\"} 4\n# TYPE g gauge\ng 3\n# TYPE h histogram\nh_bucket{le=\"1\"} 7\nh_bucket{le=\"2\"} 9\nh_bucket{le=\"+Inf\"} 10\nh_sum 10\nh_count 10\n# EOF\n", 2e9))
	e.add(scrape(t, "# TYPE c counter\nc 2\nc{reason=\"stop\"} 6\n# TYPE g gauge\ng 5\n", 3e9))
	got := map[string]SeriesResult{}
	for _, m := range e.metrics(2) {
		for _, s := range m.Series {
			got[m.Name+labelString(s.Labels)] = s
		}
	}
	if d := *got["c"].Delta; d != 5+2 {
		t.Errorf("counter with a restart: %v, want 7", d)
	}
	if d := *got["creason=stop"].Delta; d != 6 {
		t.Errorf("a series born during the run: %v, want 6", d)
	}
	if g := got["g"]; *g.Avg != 3 || *g.Max != 5 || *g.Min != 1 {
		t.Errorf("gauge: %+v", g)
	}
	h := got["h"]
	if *h.Count != 5 || *h.Sum != 7 || h.Buckets[0].Count != 2 || h.Buckets[1].Count != 4 {
		t.Errorf("histogram deltas: %+v", h)
	}
	// 5 observations: 2 in (0,1], 2 in (1,2], 1 above: the median is at rank 2.5.
	if p := HistogramQuantile(0.5, h.Buckets); math.Abs(p-1.25) > 1e-9 {
		t.Errorf("median %v, want 1.25", p)
	}
	if p := HistogramQuantile(0.99, h.Buckets); p != 2 {
		t.Errorf("p99 in the +Inf bucket is the last finite bound: %v", p)
	}
}
