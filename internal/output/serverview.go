package output

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

// scrapeInterval is how often /metrics endpoints are read during profiling.
const scrapeInterval = 333 * time.Millisecond

// serverView is what the server says about itself during profiling: its
// /metrics and its GPUs' (DCGM exporters), each scraped on its own
// goroutine and client, never on the measuring path.
type serverView struct {
	server, gpu   *telemetry.Collector
	gpuConfigured []string
	jsonl         *os.File
	jsonlW        *bufio.Writer
	gpuJSONL      *os.File // every GPU scrape, for charts over time
	gpuJSONLW     *bufio.Writer
	serverRes     *telemetry.Result
	gpuRes        *telemetry.Result

	files   export.Files
	formats []string     // --server-metrics-formats
	warn    func(string) // a warning of the run
}

// metricsURL adds http:// and /metrics to a host or host:port given alone.
func metricsURL(u string) string {
	if !strings.Contains(u, "://") {
		u = "http://" + u
	}
	if p, err := url.Parse(u); err == nil && (p.Path == "" || p.Path == "/") {
		u = strings.TrimSuffix(u, "/") + "/metrics"
	}
	return u
}

// NewServerView finds the endpoints to scrape: each server's /metrics
// (unless --no-server-metrics) and --server-metrics; DCGM exporters with
// --gpu-telemetry. Endpoints that do not answer now are left out, with a
// warning when the user named them.
func NewServerView(ctx context.Context, pl *plan.Plan, log *slog.Logger, warn func(string)) (Output, error) {
	p, files := pl.Flags(), pl.Files()
	server, gpu := serverEndpoints(p, pl.URLs()), gpuEndpoints(p, pl.URLs())
	asked := p.GPUTelemetry
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v := &serverView{gpuConfigured: gpu, files: files, formats: p.ServerMetricsFormats, warn: warn}
	if len(server) > 0 {
		var onScrape func(*telemetry.Scrape)
		if slices.Contains(p.ServerMetricsFormats, "jsonl") {
			f, err := os.Create(files.ServerMetricsJSONL())
			if err != nil {
				return nil, err
			}
			v.jsonl, v.jsonlW = f, bufio.NewWriterSize(f, 256<<10)
			onScrape = func(s *telemetry.Scrape) { telemetry.WriteScrape(v.jsonlW, s) }
		}
		v.server = telemetry.NewCollector(server, scrapeInterval, onScrape)
		for _, d := range v.server.Reachable(ctx) {
			if named(p.ServerMetrics, d) {
				warn("Server metrics: " + d + " does not answer; it is not scraped.")
			} else {
				log.Info("Server metrics: " + d + " does not answer; not scraped (--no-server-metrics to skip)")
			}
		}
	}
	if len(gpu) > 0 {
		v.gpu = telemetry.NewCollector(gpu, scrapeInterval, func(s *telemetry.Scrape) { telemetry.WriteScrape(v.gpuJSONLW, s) })
		dropped := v.gpu.Reachable(ctx)
		if len(v.gpu.URLs()) > 0 { // every GPU scrape, for charts over time
			f, err := os.Create(files.GPUTelemetryJSONL())
			if err != nil {
				return nil, err
			}
			v.gpuJSONL, v.gpuJSONLW = f, bufio.NewWriterSize(f, 256<<10)
		}
		switch {
		case len(asked) == 0: // the quiet default
			if len(dropped) > 0 {
				log.Debug("GPU telemetry: not scraped, no DCGM exporter answers (" + strings.Join(dropped, "; ") + ")")
			}
		case len(v.gpu.URLs()) == 0:
			warn("GPU telemetry: no DCGM exporter answers (" + strings.Join(dropped, "; ") + ").")
		case len(dropped) > 0 && !slices.Contains(p.GPUTelemetry, "default"):
			warn("GPU telemetry: " + strings.Join(dropped, "; ") + " does not answer.")
		}
	}
	return v, nil
}

// serverEndpoints are the /metrics to scrape: each server's (unless
// --no-server-metrics, or a SageMaker endpoint) and --server-metrics.
func serverEndpoints(p *config.Profile, urls []string) []string {
	var server []string
	if p.NoServerMetrics {
		return nil
	}
	if p.SageMakerEndpoint != "" {
		urls = nil // SageMaker serves no /metrics of the container
	}
	for _, u := range urls {
		if m := plan.BaseOf(u) + "/metrics"; !slices.Contains(server, m) {
			server = append(server, m)
		}
	}
	for _, u := range p.ServerMetrics {
		if m := metricsURL(u); !slices.Contains(server, m) {
			server = append(server, m)
		}
	}
	return server
}

// gpuEndpoints are the DCGM exporters to scrape: --gpu-telemetry's, or,
// as AIPerf, DCGM's usual ports, tried quietly (--no-gpu-telemetry skips
// them).
func gpuEndpoints(p *config.Profile, urls []string) []string {
	if p.NoGPUTelemetry {
		return nil
	}
	usual := []string{"http://localhost:9400/metrics", "http://localhost:9401/metrics"}
	if len(p.GPUTelemetry) == 0 {
		return usual
	}
	var gpu []string
	for _, u := range p.GPUTelemetry {
		if u == "default" {
			// The usual ports, and the simulator's own exporter beside each
			// server (dropped quietly when absent).
			gpu = append(gpu, usual...)
			for _, e := range urls {
				gpu = append(gpu, plan.BaseOf(e)+"/dcgm/metrics")
			}
			continue
		}
		gpu = append(gpu, metricsURL(u))
	}
	return gpu
}

func named(given []string, dropped string) bool {
	for _, g := range given {
		if strings.HasPrefix(dropped, metricsURL(g)) {
			return true
		}
	}
	return false
}

// Start takes the baseline scrapes, just before profiling.
func (v *serverView) Start(context.Context) error {
	for _, c := range []*telemetry.Collector{v.server, v.gpu} {
		if c != nil && len(c.URLs()) > 0 {
			c.Start()
		}
	}
	return nil
}

// Stop takes the final scrapes, once every response is in.
func (v *serverView) Stop() error {
	if v.server != nil && len(v.server.URLs()) > 0 {
		v.serverRes = v.server.Stop()
	}
	if v.gpu != nil && len(v.gpu.URLs()) > 0 {
		v.gpuRes = v.gpu.Stop()
	}
	return nil
}

// Contribute puts the server's view into the summary and the run: the
// GPUs' energy metrics, telemetry_data, and the console sections.
func (v *serverView) Contribute(s *metrics.Summary, run *export.Run) {
	if v.serverRes != nil {
		for _, e := range v.serverRes.Endpoints {
			if e.Errors > 0 {
				v.warn(fmt.Sprintf("Server metrics: %d scrapes of %s failed (last: %s); the summary covers the others.", e.Errors, e.URL, e.LastError))
			}
		}
		hs := telemetry.Headlines(v.serverRes)
		ttft, itl := mean(s, "time_to_first_token"), mean(s, "inter_token_latency")
		run.Sections = append(run.Sections, func(w io.Writer) { telemetry.Print(w, hs, ttft, itl) })
	}
	if v.gpuRes != nil {
		gpus := telemetry.GPUs(v.gpuRes)
		if joules, _, ok := telemetry.Energy(gpus); ok {
			s.AddEnergy(joules)
		}
		run.TelemetryData = telemetry.TelemetryData(v.gpuConfigured, v.gpuRes, gpus, export.ISOTime(run.StartTime), export.ISOTime(run.EndTime))
		run.Sections = append(run.Sections, func(w io.Writer) { telemetry.PrintGPUs(w, gpus) })
	}
}

func mean(s *metrics.Summary, tag string) float64 {
	if r, ok := s.Lookup(tag); ok {
		return r.Stats.Avg
	}
	return -1
}

// Write writes the server-metrics and GPU-telemetry files.
func (v *serverView) Write() error {
	var errs []error
	if v.jsonl != nil {
		errs = append(errs, v.jsonlW.Flush(), v.jsonl.Close())
	}
	if v.gpuJSONL != nil {
		errs = append(errs, v.gpuJSONLW.Flush(), v.gpuJSONL.Close())
	}
	if res := v.serverRes; res != nil {
		if slices.Contains(v.formats, "json") {
			errs = append(errs, export.WriteFile(v.files.ServerMetricsJSON(), telemetry.ServerJSON(res)))
		}
		if slices.Contains(v.formats, "csv") {
			errs = append(errs, export.WriteFile(v.files.ServerMetricsCSV(), telemetry.ServerCSV(res)))
		}
	}
	if res := v.gpuRes; res != nil {
		gpus := telemetry.GPUs(res)
		joules, watts, _ := telemetry.Energy(gpus)
		errs = append(errs, export.WriteFile(v.files.GPUTelemetryJSON(), telemetry.GPUJSON(gpus, joules, watts)),
			export.WriteFile(v.files.GPUTelemetryCSV(), telemetry.GPUCSV(gpus)))
	}
	return errors.Join(errs...)
}
