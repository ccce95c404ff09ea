package telemetry

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"text/tabwriter"
)

// gpuField maps a DCGM exporter field to AIPerf's vendor-scoped name (its
// export schema 1.5) and display unit; scale converts DCGM's unit to it.
type gpuField struct {
	dcgm, name, unit string
	scale            float64
	counter          bool // energy: the increase over the run
}

var gpuFields = []gpuField{
	{"DCGM_FI_DEV_POWER_USAGE", "nvidia_power_usage", "W", 1, false},
	{"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "nvidia_energy_consumption", "J", 1e-3, true},
	{"DCGM_FI_DEV_GPU_UTIL", "nvidia_gpu_utilization", "%", 1, false},
	{"DCGM_FI_DEV_MEM_COPY_UTIL", "nvidia_memory_copy_utilization", "%", 1, false},
	{"DCGM_FI_DEV_FB_USED", "nvidia_memory_used", "GB", 1.0 / 1024, false},
	{"DCGM_FI_DEV_GPU_TEMP", "nvidia_gpu_temperature", "°C", 1, false},
	{"DCGM_FI_DEV_SM_CLOCK", "nvidia_sm_clock", "MHz", 1, false},
}

// GPUStat is one GPU metric over the run, in AIPerf's stats shape.
type GPUStat struct {
	Unit string   `json:"unit"`
	Avg  float64  `json:"avg"`
	Min  *float64 `json:"min,omitempty"`
	Max  *float64 `json:"max,omitempty"`
	P50  *float64 `json:"p50,omitempty"`
	P90  *float64 `json:"p90,omitempty"`
	P99  *float64 `json:"p99,omitempty"`
}

// GPU is one GPU's telemetry over the run.
type GPU struct {
	Endpoint string             `json:"-"`
	Index    int                `json:"gpu_index"`
	Name     string             `json:"gpu_name"`
	UUID     string             `json:"gpu_uuid"`
	Hostname string             `json:"hostname,omitempty"`
	Platform string             `json:"platform"`
	Metrics  map[string]GPUStat `json:"metrics"`
}

// GPUs reads the DCGM series of every endpoint, one entry per GPU.
func GPUs(r *Result) []GPU {
	var out []GPU
	for i := range r.Endpoints {
		e := &r.Endpoints[i]
		byGPU := map[string]*GPU{}
		for _, f := range gpuFields {
			m, ok := e.Lookup(f.dcgm)
			if !ok {
				continue
			}
			for _, s := range m.Series {
				id := s.Labels["gpu"]
				g := byGPU[id]
				if g == nil {
					idx, _ := strconv.Atoi(id)
					g = &GPU{Endpoint: e.URL, Index: idx, Name: s.Labels["modelName"], UUID: s.Labels["UUID"],
						Hostname: s.Labels["Hostname"], Platform: "nvidia", Metrics: map[string]GPUStat{}}
					byGPU[id] = g
				}
				g.Metrics[f.name] = gpuStat(f, &s)
			}
		}
		ids := make([]string, 0, len(byGPU))
		for id := range byGPU {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(a, b int) bool { return byGPU[ids[a]].Index < byGPU[ids[b]].Index })
		for _, id := range ids {
			out = append(out, *byGPU[id])
		}
	}
	return out
}

func gpuStat(f gpuField, s *SeriesResult) GPUStat {
	scaled := func(p *float64) *float64 {
		if p == nil {
			return nil
		}
		x := *p * f.scale
		return &x
	}
	if f.counter {
		st := GPUStat{Unit: f.unit}
		if s.Delta != nil {
			st.Avg = *s.Delta * f.scale
		}
		return st
	}
	st := GPUStat{Unit: f.unit, Min: scaled(s.Min), Max: scaled(s.Max), P50: scaled(s.P50), P90: scaled(s.P90), P99: scaled(s.P99)}
	if s.Avg != nil {
		st.Avg = *s.Avg * f.scale
	}
	return st
}

// Energy is the energy all GPUs used over the run (J), and the sum of
// their average power (W); ok is false without energy counters.
func Energy(gpus []GPU) (joules, watts float64, ok bool) {
	for _, g := range gpus {
		if e, has := g.Metrics["nvidia_energy_consumption"]; has {
			joules += e.Avg
			ok = true
		}
		watts += g.Metrics["nvidia_power_usage"].Avg
	}
	return joules, watts, ok
}

// TelemetryData is the summary JSON's telemetry_data block (AIPerf's
// schema 1.5 shape): endpoints by host:port, GPUs by gpu_<index>.
func TelemetryData(configured []string, r *Result, gpus []GPU, start, end string) map[string]any {
	var ok []string
	for _, e := range r.Endpoints {
		if e.Scrapes > 0 {
			ok = append(ok, e.URL)
		}
	}
	eps := map[string]any{}
	for _, g := range gpus {
		host := g.Endpoint
		if u, err := url.Parse(g.Endpoint); err == nil && u.Host != "" {
			host = u.Host
		}
		ep, _ := eps[host].(map[string]any)
		if ep == nil {
			ep = map[string]any{"gpus": map[string]any{}}
			eps[host] = ep
		}
		ep["gpus"].(map[string]any)[fmt.Sprintf("gpu_%d", g.Index)] = g
	}
	return map[string]any{
		"summary":   map[string]any{"endpoints_configured": configured, "endpoints_successful": ok, "start_time": start, "end_time": end},
		"endpoints": eps,
	}
}

// PrintGPUs writes the console's GPU table.
func PrintGPUs(w io.Writer, gpus []GPU) {
	if len(gpus) == 0 {
		return
	}
	fmt.Fprintln(w, "\nsonde | GPU Telemetry")
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "gpu\tpower avg (W)\tenergy (J)\tutilization avg (%)\tmemory used max (GB)\ttemperature max (°C)\t")
	for _, g := range gpus {
		max := func(name string) float64 {
			if m := g.Metrics[name].Max; m != nil {
				return *m
			}
			return g.Metrics[name].Avg
		}
		fmt.Fprintf(tw, "%s gpu_%d\t%.1f\t%.1f\t%.1f\t%.2f\t%.0f\t\n", g.Endpoint, g.Index, g.Metrics["nvidia_power_usage"].Avg,
			g.Metrics["nvidia_energy_consumption"].Avg, g.Metrics["nvidia_gpu_utilization"].Avg, max("nvidia_memory_used"), max("nvidia_gpu_temperature"))
	}
	tw.Flush()
}
