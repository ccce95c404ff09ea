package profile

import (
	"log/slog"

	"github.com/sonde-bench/sonde/internal/plan"
)

// tell writes what resolving the plan said into the run's log; warnings
// also become the run's warnings.
func (r *profileRun) tell(notes []plan.Note) {
	for _, n := range notes {
		if n.Level == slog.LevelWarn {
			r.warn(n.Msg)
			continue
		}
		r.log.Log(r.ctx, n.Level, n.Msg)
	}
}
