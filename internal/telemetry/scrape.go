// Package telemetry reads what the server says about itself: Prometheus
// /metrics endpoints (the inference server's own metrics, and DCGM
// exporters' GPU telemetry), scraped on an interval from the start of
// profiling to its end, and summarised per series. It never touches the
// measuring path: scrapes run on their own goroutine and client.
package telemetry

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"sort"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Sample is one series' value in one scrape.
type Sample struct {
	Labels map[string]string
	Value  float64 // gauges, counters, untyped
	// Histograms: cumulative counts by upper bound ("+Inf" last).
	Buckets []Bucket
	Sum     float64
	Count   float64
	// Summaries: quantile → value.
	Quantiles map[string]float64
}

// Bucket is a cumulative histogram bucket.
type Bucket struct {
	LE    float64
	Count float64
}

// Family is one metric in one scrape.
type Family struct {
	Name, Type, Help string
	Samples          []Sample
}

// Scrape is one read of an endpoint.
type Scrape struct {
	Endpoint  string
	TimeNs    int64 // wall clock, when the answer arrived
	LatencyNs int64
	Families  []Family
}

// Fetch reads and parses one endpoint (Prometheus text format; OpenMetrics'
// "# EOF" and *_created series are dropped).
func Fetch(ctx context.Context, c *http.Client, url string) (*Scrape, error) {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	fams, err := parse(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &Scrape{Endpoint: Display(url), TimeNs: now.UnixNano(), LatencyNs: int64(now.Sub(t0)), Families: fams}, nil
}

func parse(r io.Reader) ([]Family, error) {
	var kept strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "# EOF" {
			continue
		}
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(line, "#") && strings.HasSuffix(strings.SplitN(f[0], "{", 2)[0], "_created") {
			continue
		}
		kept.WriteString(line)
		kept.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(kept.String()))
	if err != nil {
		return nil, fmt.Errorf("not Prometheus text: %w", err)
	}
	out := make([]Family, 0, len(mfs))
	for name, mf := range mfs {
		f := Family{Name: name, Type: strings.ToLower(mf.GetType().String()), Help: mf.GetHelp()}
		for _, m := range mf.GetMetric() {
			f.Samples = append(f.Samples, sampleOf(mf.GetType(), m))
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func sampleOf(t dto.MetricType, m *dto.Metric) Sample {
	s := Sample{Labels: map[string]string{}}
	for _, l := range m.GetLabel() {
		s.Labels[l.GetName()] = l.GetValue()
	}
	switch t {
	case dto.MetricType_COUNTER:
		s.Value = m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		s.Value = m.GetGauge().GetValue()
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		h := m.GetHistogram()
		s.Sum, s.Count = h.GetSampleSum(), float64(h.GetSampleCount())
		for _, b := range h.GetBucket() {
			s.Buckets = append(s.Buckets, Bucket{LE: b.GetUpperBound(), Count: float64(b.GetCumulativeCount())})
		}
		sort.Slice(s.Buckets, func(i, j int) bool { return s.Buckets[i].LE < s.Buckets[j].LE })
	case dto.MetricType_SUMMARY:
		sm := m.GetSummary()
		s.Sum, s.Count = sm.GetSampleSum(), float64(sm.GetSampleCount())
		s.Quantiles = map[string]float64{}
		for _, q := range sm.GetQuantile() {
			s.Quantiles[fmt.Sprint(q.GetQuantile())] = q.GetValue()
		}
	default:
		s.Value = m.GetUntyped().GetValue()
	}
	return s
}

// Collector scrapes endpoints every interval between Start and Stop and
// keeps a running summary of each; failures are counted, never fatal.
type Collector struct {
	Interval time.Duration
	client   *http.Client
	urls     []string
	onScrape func(*Scrape) // every successful scrape (the jsonl export)

	mu      sync.Mutex
	series  map[string]*endpointAcc
	errs    map[string]int
	lastErr map[string]string
	stop    context.CancelFunc
	done    chan struct{}
}

// NewCollector scrapes urls; onScrape, when set, sees every scrape.
func NewCollector(urls []string, interval time.Duration, onScrape func(*Scrape)) *Collector {
	return &Collector{Interval: interval, urls: urls, onScrape: onScrape,
		client: &http.Client{Timeout: 5 * time.Second}, series: map[string]*endpointAcc{}, errs: map[string]int{}, lastErr: map[string]string{}}
}

// Reachable keeps the endpoints that answer now, and says why the others
// were dropped.
func (c *Collector) Reachable(ctx context.Context) (dropped []string) {
	var ok []string
	for _, u := range c.urls {
		if _, err := Fetch(ctx, c.client, u); err != nil {
			dropped = append(dropped, fmt.Sprintf("%s (%v)", Display(u), err))
			continue
		}
		ok = append(ok, u)
	}
	c.urls = ok
	return dropped
}

// Display is an endpoint as written anywhere: its password hidden, as
// net/http hides it in its errors.
func Display(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// URLs are the endpoints scraped.
func (c *Collector) URLs() []string { return c.urls }

// Start takes the baseline scrape, then scrapes every interval.
func (c *Collector) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	c.stop, c.done = cancel, make(chan struct{})
	c.scrapeAll(ctx)
	go func() {
		defer close(c.done)
		t := time.NewTicker(c.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				c.scrapeAll(ctx)
			}
		}
	}()
}

// Stop takes the final scrape and returns the summaries.
func (c *Collector) Stop() *Result {
	if c.stop != nil {
		c.stop()
		<-c.done
	}
	c.scrapeAll(context.Background())
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.result()
}

func (c *Collector) scrapeAll(ctx context.Context) {
	for _, u := range c.urls {
		s, err := Fetch(ctx, c.client, u)
		c.mu.Lock()
		if err != nil {
			if ctx.Err() == nil {
				c.errs[u]++
				c.lastErr[u] = err.Error()
			}
			c.mu.Unlock()
			continue
		}
		acc := c.series[u]
		if acc == nil {
			acc = newEndpointAcc()
			c.series[u] = acc
		}
		acc.add(s)
		c.mu.Unlock()
		if c.onScrape != nil {
			c.onScrape(s)
		}
	}
}
