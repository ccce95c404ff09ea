package twin

import (
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/telemetry"
)

// BatchLimit reads the server's batch limit from the runs' scrapes of its
// /metrics (the requests-running and -waiting gauges under any server's
// names, telemetry's roles): the most requests it ran in a run where
// requests also waited. ok is false when no run queued (the limit was never
// reached: it cannot be seen) or none was scraped.
func BatchLimit(dirs []string, prefix string) (limit int, ok bool) {
	for _, dir := range dirs {
		d, err := export.Open(dir, prefix)
		if err != nil {
			continue
		}
		res, err := d.ServerMetrics()
		if err != nil || res == nil {
			continue
		}
		for i := range res.Endpoints {
			e := &res.Endpoints[i]
			if waiting, _ := e.Peak(telemetry.RequestsWaiting); waiting > 0 {
				if n, _ := e.Peak(telemetry.RequestsRunning); int(n) > limit {
					limit, ok = int(n), true
				}
			}
		}
	}
	return limit, ok
}
