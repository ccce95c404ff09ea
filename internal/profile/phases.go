package profile

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/record"
)

// runningPhase is an engine phase under way, with its progress display.
type runningPhase struct {
	eng    *engine.Engine
	done   chan struct{}
	unsent map[string]int64
	err    error
}

// wait waits for the phase's last answer and returns the turns it did not
// send, by reason.
func (rp *runningPhase) wait() (map[string]int64, error) {
	<-rp.done
	return rp.unsent, rp.err
}

// cutAfter is when a phase's answers still in flight are cut: its
// duration and grace after its start (−1: never, without both).
func cutAfter(cfg engine.Config, grace time.Duration) time.Duration {
	if cfg.Duration > 0 && grace >= 0 {
		return cfg.Duration + grace
	}
	return -1
}

// startPhase starts one engine phase with its progress display; the
// answers still in flight cut after its start (−1: none) are recorded as
// cut.
func (r *profileRun) startPhase(name string, cfg engine.Config, total int64, cut time.Duration, records chan<- *record.Record, issue, run context.Context) *runningPhase {
	var prog engine.Progress
	eng := engine.New(cfg, r.client.HTTP, r.clk, records, &prog)
	r.log.Debug(fmt.Sprintf("%s: %s", name, describeLoad(cfg)))
	stops := []func(){}
	if t := r.p.FailedRequestThreshold; t != nil {
		var stop func()
		issue, run, stop = r.watchFailures(&prog, cfg, *t, issue, run)
		stops = append(stops, stop)
	}
	if api := r.records.API; api != nil {
		api.Watch(name, &prog, total)
	}
	show := r.screen.Display(name, &prog, cfg, total, r.records.Live)
	show.Start(r.ctx)
	if cut >= 0 {
		// Requests still in flight when the grace period ends are cut: they
		// get records as cancelled errors (record.Cut), never vanish.
		var c context.CancelFunc
		run, c = context.WithTimeoutCause(run, cut, engine.ErrCancelled)
		stops = append(stops, c)
	}
	rp := &runningPhase{eng: eng, done: make(chan struct{})}
	go func() {
		defer close(rp.done)
		rp.err = eng.Run(issue, run)
		if err := eng.InputErr(); err != nil { // a streamed trace's bad line: what was sent is kept
			r.abort = fmt.Sprintf("The run ended early: the trace stopped at a bad request: %v", err)
		}
		show.Stop()
		for _, stop := range stops {
			stop()
		}
		rp.unsent = eng.Unsent()
		r.log.Debug(fmt.Sprintf("%s ended: %d requests sent, %d done, %d failed; %d sessions started, %d done; not sent: %v",
			name, prog.RequestsSent.Load(), prog.RequestsDone.Load(), prog.RequestErrors.Load(), prog.SessionsStarted.Load(), prog.SessionsDone.Load(), rp.unsent))
	}()
	return rp
}

// runProfiling runs the profiling phase and those after it (--phase) in
// order: each starts once the one before has its answers, or, when
// seamless, once the one before has sent its last request. A stop (Ctrl-C,
// --failed-request-threshold) ends them all: the phases not begun count
// their requests as interrupted. Their unsent turns add up.
func (r *profileRun) runProfiling(prof engine.Config, expected int64, records chan<- *record.Record, issue, run context.Context) (map[string]int64, error) {
	// The set-up's garbage (tokenizer parsing, prompts) is collected now,
	// before the first request, rather than by a collection that would
	// start in the middle of the phase and hold the only core from the
	// dispatcher for milliseconds.
	runtime.GC()
	cur := r.startPhase("Profiling", prof, expected, cutAfter(prof, r.plan.Grace()), records, issue, run)
	started := []*runningPhase{cur}
	unsent := map[string]int64{}
	for _, st := range r.plan.Stages() {
		if st.Seamless {
			select {
			case <-cur.eng.Issued():
			case <-cur.done:
			}
		} else {
			cur.wait()
		}
		if issue.Err() != nil {
			unsent[engine.UnsentInterrupted] += st.Expected()
			continue
		}
		r.logf("Phase %s: %s", st.Name, st.Says())
		sc := r.client.Signed(st.Config())
		cur = r.startPhase("Profiling "+st.Name, sc, st.Expected(), cutAfter(sc, st.Grace()), records, issue, run)
		started = append(started, cur)
	}
	var errs error
	for _, rp := range started {
		u, err := rp.wait()
		for reason, n := range u {
			unsent[reason] += n
		}
		errs = errors.Join(errs, err)
	}
	return unsent, errs
}
