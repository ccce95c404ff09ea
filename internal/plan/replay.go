package plan

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
)

// replayTiming applies a file's replay knobs (--trace-session-sample-ratio,
// --replay-speedup and --synthesis-speedup-ratio, the delay and idle-gap
// caps) and says in the log what they changed.
func replayTiming(p *config.Profile, convs []dataset.Conversation, seed uint64, log *slog.Logger) ([]dataset.Conversation, error) {
	t := dataset.ReplayTiming{SampleRatio: p.TraceSampleRatio, Speedup: p.SynthesisSpeedup}
	if p.ReplaySpeedup != nil {
		t.Speedup *= *p.ReplaySpeedup
	}
	t.DelayCap = optSeconds(p.InterTurnDelayCap)
	if p.MaxIdleGapCap != nil {
		t.IdleGapCapMs = *p.MaxIdleGapCap * 1000
	}
	convs, rep, err := dataset.ApplyReplay(convs, t, seed)
	if err != nil {
		return nil, UsageError{err}
	}
	if rep.Kept != rep.Sessions {
		log.Info(fmt.Sprintf("Trace sampling: %d of %d sessions kept", rep.Kept, rep.Sessions))
	}
	if rep.ClampedDelays > 0 {
		log.Info(fmt.Sprintf("--inter-turn-delay-cap-seconds: %d delays clamped", rep.ClampedDelays))
	}
	if rep.CollapsedGaps > 0 {
		log.Info(fmt.Sprintf("--max-idle-gap-cap-seconds: %d idle gaps collapsed", rep.CollapsedGaps))
	}
	return convs, nil
}

// optSeconds is an optional flag's seconds as a duration; nil stays nil.
func optSeconds(s *float64) *time.Duration {
	if s == nil {
		return nil
	}
	d := seconds(*s)
	return &d
}

// checkWrap refuses a weka_trace run with fewer traces than concurrency
// lanes unless --allow-dataset-wrap lets it reuse them (AIPerf's rule: a
// lane without a trace of its own would replay another's cache hits).
func checkWrap(p *config.Profile, convs []dataset.Conversation) error {
	d, _ := dataset.PublicNamed(p.PublicName())
	if (p.CustomDatasetType != "weka_trace" && d.Kind != dataset.KindWeka) || p.AllowDatasetWrap || p.Concurrency == nil || *p.Concurrency <= len(convs) {
		return nil
	}
	return UsageError{fmt.Errorf("--concurrency %d over %d traces: add --allow-dataset-wrap to reuse traces across lanes", *p.Concurrency, len(convs))}
}
