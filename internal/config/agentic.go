package config

// The agentic replay's defaults: AIPerf's.
const (
	DefaultTrajectoryStartMin = 0.25
	DefaultTrajectoryStartMax = 0.75
)

// AgenticReplay reports whether the run is an agentic replay: lanes of
// trajectories started mid-way after a synthesized warm-up. A scenario
// turns it on, as does any of its own options.
func (p *Profile) AgenticReplay() bool {
	return p.Scenario != "" || p.TrajectoryStartMin != nil || p.TrajectoryStartMax != nil || p.BurstPhaseStarts ||
		p.AgenticCacheWarmup != nil || p.AgenticWarmupGrace != nil
}

// TrajectoryWindow is the fractions of a trajectory's turns its start is
// drawn between.
func (p *Profile) TrajectoryWindow() (lo, hi float64) {
	lo, hi = DefaultTrajectoryStartMin, DefaultTrajectoryStartMax
	if p.TrajectoryStartMin != nil {
		lo = *p.TrajectoryStartMin
	}
	if p.TrajectoryStartMax != nil {
		hi = *p.TrajectoryStartMax
	}
	return lo, hi
}

// checkAgentic: the agentic replay is a closed loop of --concurrency
// lanes over a file's trajectories, with a warm-up of its own.
func (p *Profile) checkAgentic(add func(string, ...any)) {
	for _, r := range []struct {
		flag string
		v    *float64
	}{{"--trajectory-start-min-ratio", p.TrajectoryStartMin}, {"--trajectory-start-max-ratio", p.TrajectoryStartMax}} {
		if r.v != nil && !(*r.v >= 0 && *r.v <= 1) {
			add("%s must be in [0, 1], got %g", r.flag, *r.v)
		}
	}
	if lo, hi := p.TrajectoryWindow(); lo > hi {
		add("--trajectory-start-min-ratio %g is above --trajectory-start-max-ratio %g (defaults %g and %g)", lo, hi, DefaultTrajectoryStartMin, DefaultTrajectoryStartMax)
	}
	if v := p.AgenticCacheWarmup; v != nil && !(*v > 0) {
		add("--agentic-cache-warmup-duration must be above 0, got %g", *v)
	}
	if v := p.AgenticWarmupGrace; v != nil && !(*v >= 0) {
		add("--agentic-warmup-grace-period must not be negative, got %g", *v)
	}
	if v := p.SystemIdleGapCap; v != nil && !(*v >= 0) {
		add("--system-idle-gap-cap-seconds must not be negative, got %g", *v)
	}
	openLoop := []given{{"--request-rate", len(p.RequestRateList) > 0}, {"--user-centric-rate", len(p.UserCentricRateList) > 0}, {"--fixed-schedule", p.FixedSchedule}}
	if p.SystemIdleGapCap != nil {
		refuseGiven(add, false, "--system-idle-gap-cap-seconds pulls think times in; %s sends on a schedule of its own", openLoop...)
	}
	if !p.AgenticReplay() {
		return
	}
	why := "the agentic replay"
	if p.Scenario != "" {
		why = "--scenario " + p.Scenario
	}
	if len(p.ConcurrencyList) == 0 {
		add("%s runs --concurrency lanes of trajectories: give --concurrency", why)
	}
	if p.InputFile == "" && p.PublicName() == "" {
		add("%s replays a trace's trajectories: give --input-file (weka_trace, bailian_trace, baseten_trace, …) or a weka --public-dataset", why)
	}
	refuseGiven(add, false, why+" is a closed loop of --concurrency lanes: drop %s", append(openLoop, given{"--session-arrival-rate", p.SessionArrivalRate != nil})...)
	if p.Warmup() {
		add("%s warms up on its own (each lane's start turn): drop --warmup-request-count, --num-warmup-sessions and --warmup-duration", why)
	}
}
