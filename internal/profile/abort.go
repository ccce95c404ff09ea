package profile

import (
	"context"
	"fmt"

	"github.com/sonde-bench/sonde/internal/engine"
)

// watchFailures ends the phase once more than threshold of the requests
// ended have failed, armed after max(concurrency, 10) have ended (as
// AIPerf's): no point measuring a dead server for the whole run. The
// request that crosses the threshold ends the phase as it ends (requests
// failing in microseconds would outrun any poller); requests still in
// flight are cut, and recorded as such.
func (r *profileRun) watchFailures(prog *engine.Progress, cfg engine.Config, threshold float64, issue, run context.Context) (context.Context, context.Context, func()) {
	issue, stopIssue := context.WithCancelCause(issue)
	run, stopRun := context.WithCancelCause(run)
	prog.Failures = &engine.FailureLimit{Threshold: threshold, Arm: int64(max(cfg.Concurrency, 10)), Hit: func(n, failed int64) {
		r.abort = fmt.Sprintf("The run ended early: %d of the %d requests ended had failed, more than --failed-request-threshold %v.", failed, n, threshold)
		stopIssue(engine.ErrTooManyFailures)
		stopRun(engine.ErrTooManyFailures)
	}}
	return issue, run, func() {
		stopIssue(nil)
		stopRun(nil)
	}
}

// Why no profiling turn was sent (sonde.unsent_turns_by_reason): the start
// barrier failed, or an output could not start.
const (
	unsentBarrier = "start_barrier_failed"
	unsentOutputs = "output_start_failed"
)
