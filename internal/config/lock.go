package config

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// A scenario (--scenario) locks a named benchmark's rules, as AIPerf's
// scenario registry does: options left unset take the scenario's values,
// options set against it are violations — an error naming each, or with
// --unsafe-override warnings and a run marked as no valid submission.
// (Not the sweep's "scenarios": hand-picked named runs, file_scenarios.go.)

// scenarioSpec is one scenario's rules.
type scenarioSpec struct {
	minDuration, duration float64 // the floor and default of --benchmark-duration
	startMin, startMax    float64 // the trajectory start window
	idleCap               float64 // --system-idle-gap-cap-seconds
	// defaults are further unset options it fills (AgentX's command line).
	defaults func(p *Profile, fill func(flag string))
}

// scenarioList names the scenarios --scenario knows.
const scenarioList = "agentx, inferencex-agentx-mvp"

// scenarioNamed is the registry: SemiAnalysis' AgentX (the InferenceX MVP
// and its successor's defaults), an agentic replay of weka traces.
func scenarioNamed(name string) (scenarioSpec, bool) {
	mvp := scenarioSpec{minDuration: 900, duration: 1800, startMin: 0, startMax: 1, idleCap: 10}
	switch name {
	case "inferencex-agentx-mvp":
		return mvp, true
	case "agentx":
		s := mvp
		s.duration, s.startMin, s.startMax, s.defaults = 3600, 0.25, 0.75, agentxDefaults
		return s, true
	}
	return scenarioSpec{}, false
}

// agentxDefaults are AgentX's command-line defaults sonde has options for.
func agentxDefaults(p *Profile, fill func(string)) {
	if p.RandomSeed == nil {
		p.RandomSeed = ptr(int64(42))
		fill("--random-seed 42")
	}
	if p.FailedRequestThreshold == nil {
		p.FailedRequestThreshold = ptr(0.10)
		fill("--failed-request-threshold 0.1")
	}
	if p.TraceIdleGapCap == nil {
		p.TraceIdleGapCap = ptr(300.0)
		fill("--trace-idle-gap-cap-seconds 300")
	}
	if p.AgenticWarmupGrace == nil {
		p.AgenticWarmupGrace = ptr(1800.0)
		fill("--agentic-warmup-grace-period 1800")
	}
	if p.SliceDuration == nil {
		p.SliceDuration = ptr(1.0)
		fill("--slice-duration 1")
	}
	if !p.UseServerTokenCount {
		p.UseServerTokenCount = true
		fill("--use-server-token-count")
	}
}

func ptr[T any](v T) *T { return &v }

// ScenarioOutcome is what a scenario's lock did to a run: what it filled
// in, what conflicted, and whether the run is a valid submission.
type ScenarioOutcome struct {
	Name       string
	Applied    []string // options filled in, as flags
	Violations []string // conflicts downgraded by --unsafe-override
	// InvalidReasons say why the run is no valid submission (none: it is).
	InvalidReasons []string
}

// Valid reports whether the run is a valid submission.
func (o *ScenarioOutcome) Valid() bool { return len(o.InvalidReasons) == 0 }

// Metadata is the summary's "metadata" block: AIPerf's scenario,
// submission_valid and, when false, submission_invalid_reasons; cancelled
// says the run was interrupted (never a valid submission).
func (o *ScenarioOutcome) Metadata(cancelled bool) json.RawMessage {
	reasons := slices.Clone(o.InvalidReasons)
	if cancelled {
		reasons = append(reasons, "run_cancelled")
	}
	m := struct {
		Scenario string   `json:"scenario"`
		Valid    bool     `json:"submission_valid"`
		Reasons  []string `json:"submission_invalid_reasons,omitempty"`
	}{o.Name, len(reasons) == 0, reasons}
	b, _ := json.Marshal(m)
	return b
}

// LockScenario locks --scenario's rules onto p (nothing without one).
// Conflicts are an error listing them all, unless --unsafe-override
// makes them the outcome's violations; a scenario with nothing to replay
// is an error even then.
func (p *Profile) LockScenario() (*ScenarioOutcome, error) {
	if p.Scenario == "" {
		return nil, nil
	}
	spec, ok := scenarioNamed(p.Scenario)
	if !ok {
		return nil, fmt.Errorf("--scenario %q is not a scenario sonde knows (%s)", p.Scenario, scenarioList)
	}
	if p.InputFile == "" && p.PublicName() == "" {
		return nil, fmt.Errorf("--scenario %s replays weka traces: give --public-dataset semianalysis_cc_traces_weka_062126 (or another of SemiAnalysis' corpora), --hf-weka-dataset ORG/NAME, or --input-file with a weka_trace file or folder; --unsafe-override cannot make up a dataset", p.Scenario)
	}
	o := &ScenarioOutcome{Name: p.Scenario}
	fill := func(flag string) { o.Applied = append(o.Applied, flag) }
	var conflicts []string
	conflict := func(format string, a ...any) { conflicts = append(conflicts, fmt.Sprintf(format, a...)) }
	p.lockReplay(spec, fill, conflict)
	p.lockRequests(fill, conflict)
	if spec.defaults != nil {
		spec.defaults(p, fill)
	}
	if len(conflicts) == 0 {
		return o, nil
	}
	if !p.UnsafeOverride {
		return nil, fmt.Errorf("--scenario %s: %d option(s) conflict with its rules:\n  - %s\n--unsafe-override runs anyway, marked submission_valid false",
			p.Scenario, len(conflicts), strings.Join(conflicts, "\n  - "))
	}
	o.Violations, o.InvalidReasons = conflicts, []string{"unsafe_override"}
	return o, nil
}

// lockReplay: the trace, its duration and its timing.
func (p *Profile) lockReplay(spec scenarioSpec, fill func(string), conflict func(string, ...any)) {
	switch {
	case p.publicWeka():
	case p.PublicName() != "":
		conflict("--public-dataset %s: the scenario replays weka traces", p.PublicName())
	case p.CustomDatasetType == "":
		p.CustomDatasetType = "weka_trace"
		fill("--custom-dataset-type weka_trace")
	case p.CustomDatasetType != "weka_trace":
		conflict("--custom-dataset-type %s: the scenario replays weka_trace", p.CustomDatasetType)
	}
	switch d := p.BenchmarkDuration; {
	case d == nil:
		p.BenchmarkDuration = ptr(spec.duration)
		fill(fmt.Sprintf("--benchmark-duration %g", spec.duration))
	case *d < spec.minDuration:
		conflict("--benchmark-duration %g: at least %g s (the replay's steady state)", *d, spec.minDuration)
	}
	if p.TrajectoryStartMin == nil && p.TrajectoryStartMax == nil {
		p.TrajectoryStartMin, p.TrajectoryStartMax = ptr(spec.startMin), ptr(spec.startMax)
		fill(fmt.Sprintf("--trajectory-start-min-ratio %g --trajectory-start-max-ratio %g", spec.startMin, spec.startMax))
	}
	if p.SystemIdleGapCap == nil {
		p.SystemIdleGapCap = ptr(spec.idleCap)
		fill(fmt.Sprintf("--system-idle-gap-cap-seconds %g", spec.idleCap))
	}
	if p.IgnoreTraceDelays {
		conflict("--ignore-trace-delays: the scenario replays the traces' recorded timing")
	}
	if p.InterTurnDelayCap != nil {
		conflict("--inter-turn-delay-cap-seconds: the scenario keeps each trace's inter-turn timing")
	}
	if p.SynthesisMaxISL > 0 {
		conflict("--synthesis-max-isl %d: the scenario sends every trace whole (no input truncation)", p.SynthesisMaxISL)
	}
	if p.RequestCount != nil {
		conflict("--request-count: the scenario runs for --benchmark-duration")
	}
}

// lockRequests: what each request asks for.
func (p *Profile) lockRequests(fill func(string), conflict func(string, ...any)) {
	if !p.Streaming {
		p.Streaming = true
		fill("--streaming")
	}
	switch v, ok := extraInput(p.ExtraInputs, "ignore_eos"); {
	case !ok:
		p.ExtraInputs = append(slices.Clone(p.ExtraInputs), "ignore_eos:true")
		fill("--extra-inputs ignore_eos:true")
	case v != "true":
		conflict("--extra-inputs ignore_eos:%s: the scenario asks for every output length in full (ignore_eos true)", v)
	}
	switch p.CacheBust {
	case "", "none":
		p.CacheBust = "first_turn_prefix"
		fill("--cache-bust first_turn_prefix")
	case "first_turn_prefix":
	default:
		conflict("--cache-bust %s: the scenario busts the first turn's prefix (first_turn_prefix)", p.CacheBust)
	}
}

// extraInput finds key among --extra-inputs (key:value pairs or JSON
// objects), its value as JSON writes it.
func extraInput(inputs []string, key string) (string, bool) {
	for _, in := range inputs {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(in), &obj); err == nil {
			if v, ok := obj[key]; ok {
				return string(v), true
			}
			continue
		}
		if k, v, ok := strings.Cut(in, ":"); ok && strings.TrimSpace(k) == key {
			return strings.ToLower(strings.TrimSpace(v)), true
		}
	}
	return "", false
}

// publicWeka: the public dataset is one of weka traces.
func (p *Profile) publicWeka() bool {
	name := p.PublicName()
	return name == "weka_hf" || strings.HasPrefix(name, "semianalysis_cc_traces_weka")
}
