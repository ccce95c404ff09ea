package profile

import (
	"context"
	"fmt"
	"time"

	"github.com/sonde-bench/sonde/internal/engine"
)

// watchFailures ends the phase once more than threshold of the requests
// ended have failed, armed after max(concurrency, 10) have ended (as
// AIPerf's): no point measuring a dead server for the whole run. Requests
// still in flight are cut, and recorded as such.
func (r *profileRun) watchFailures(prog *engine.Progress, cfg engine.Config, threshold float64, issue, run context.Context) (context.Context, context.Context, func()) {
	issue, stopIssue := context.WithCancelCause(issue)
	run, stopRun := context.WithCancelCause(run)
	arm := int64(max(cfg.Concurrency, 10))
	done, quit := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			n, failed := prog.RequestsDone.Load(), prog.RequestErrors.Load()
			if n >= arm && float64(failed) > threshold*float64(n) {
				r.abort = fmt.Sprintf("The run ended early: %d of the %d requests ended had failed, more than --failed-request-threshold %v.", failed, n, threshold)
				stopIssue(engine.ErrTooManyFailures)
				stopRun(engine.ErrTooManyFailures)
				return
			}
		}
	}()
	return issue, run, func() {
		close(quit)
		<-done
		stopIssue(nil)
		stopRun(nil)
	}
}
