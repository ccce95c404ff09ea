package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/sim"
)

// simGPUs model the GPUs a real deployment would report through NVIDIA's
// DCGM exporter, so GPU telemetry is tested without a GPU. The model is
// deliberately simple and documented (docs/simulator.md): every GPU runs
// the same batch (tensor parallel); utilization is the share of a
// 4-sequence batch running, power is 70 W idle plus 330 W at full
// utilization, and the energy counter integrates the power every 10 ms.
type simGPUs struct {
	n      int
	model  string
	engine sim.Engine

	mu       sync.Mutex
	util     float64
	energyMJ float64 // per GPU, millijoules
	kvUsage  float64
}

const (
	gpuIdleW, gpuSpanW = 70.0, 330.0
	gpuFullBatch       = 4.0
	gpuTick            = 10 * time.Millisecond
)

func newSimGPUs(n int, model string, eng sim.Engine) *simGPUs {
	return &simGPUs{n: n, model: model, engine: eng}
}

func (g *simGPUs) power(util float64) float64 { return gpuIdleW + gpuSpanW*util }

// run integrates the power until ctx ends.
func (g *simGPUs) run(ctx context.Context) {
	t := time.NewTicker(gpuTick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			st := g.engine.Stats()
			util := min(1, float64(st.Running)/gpuFullBatch)
			g.mu.Lock()
			g.energyMJ += g.power(g.util) * now.Sub(last).Seconds() * 1000
			g.util, g.kvUsage = util, st.KVUsage
			g.mu.Unlock()
			last = now
		}
	}
}

// handler writes DCGM exporter's text format.
func (g *simGPUs) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		g.mu.Lock()
		util, energy, kv := g.util, g.energyMJ, g.kvUsage
		g.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		metric := func(name, typ, help string, value func(i int) float64) {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
			for i := range g.n {
				fmt.Fprintf(w, "%s{gpu=\"%d\",UUID=\"GPU-sonde-sim-%04d\",device=\"nvidia%d\",modelName=\"sonde-sim GPU\",Hostname=\"sonde-sim\"} %g\n",
					name, i, i, i, value(i))
			}
		}
		metric("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", func(int) float64 { return g.power(util) })
		metric("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ).", func(int) float64 { return float64(int64(energy)) })
		metric("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).", func(int) float64 { return float64(int(util * 100)) })
		metric("DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory utilization (in %).", func(int) float64 { return float64(int(util * 60)) })
		metric("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).", func(int) float64 { return float64(int(20480 + kv*61440)) })
		metric("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB).", func(int) float64 { return float64(81920 - int(20480+kv*61440)) })
		metric("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).", func(int) float64 { return float64(int(40 + 40*util)) })
		metric("DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock frequency (in MHz).", func(int) float64 {
			if util > 0 {
				return 1980
			}
			return 345
		})
	})
}
