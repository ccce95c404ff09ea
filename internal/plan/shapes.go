package plan

import (
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/schedule"
)

// shapeArrivals applies a ramp or a series to the arrival process.
func shapeArrivals(p *config.Profile, a schedule.Arrivals) (schedule.Arrivals, error) {
	switch {
	case p.RequestRateSeries != "":
		pts, err := schedule.ParseSeries(p.RequestRateSeries)
		if err != nil {
			return nil, err
		}
		return schedule.Series(a, pts), nil
	case p.RequestRateRamp != nil:
		return schedule.Ramp(a, time.Duration(*p.RequestRateRamp*float64(time.Second))), nil
	}
	return a, nil
}
