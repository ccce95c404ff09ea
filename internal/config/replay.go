package config

import "slices"

// checkReplay: a trace's replay knobs and the synthesis options, each
// refused where it would silently do nothing.
func (p *Profile) checkReplay(add func(string, ...any)) {
	if p.TraceSampleRatio != 0 && (p.TraceSampleRatio < 0 || p.TraceSampleRatio > 1) {
		add("--trace-session-sample-ratio must be in (0, 1], got %g", p.TraceSampleRatio)
	}
	if p.ReplaySpeedup != nil && !(*p.ReplaySpeedup > 0) {
		add("--replay-speedup must be above 0, got %g", *p.ReplaySpeedup)
	}
	if p.InterTurnDelayCap != nil && !(*p.InterTurnDelayCap >= 0) {
		add("--inter-turn-delay-cap-seconds must not be negative, got %g", *p.InterTurnDelayCap)
	}
	if p.MaxIdleGapCap != nil && !(*p.MaxIdleGapCap > 0) {
		add("--max-idle-gap-cap-seconds must be above 0, got %g", *p.MaxIdleGapCap)
	}
	refuseGiven(add, p.InputFile != "", "%s replays a file: it needs --input-file",
		given{"--trace-session-sample-ratio", p.TraceSampleRatio != 0}, given{"--replay-speedup", p.ReplaySpeedup != nil},
		given{"--inter-turn-delay-cap-seconds", p.InterTurnDelayCap != nil}, given{"--max-idle-gap-cap-seconds", p.MaxIdleGapCap != nil})
	refuseGiven(add, p.CustomDatasetType == "baseten_trace", "%s applies to --custom-dataset-type baseten_trace (recorded sessions of literal prompts)",
		given{"--open-loop-strict", p.OpenLoopStrict}, given{"--omit-kv-hints", p.OmitKVHints}, given{"--no-open-loop-replay", !p.OpenLoopReplay})
	if p.OpenLoopStrict && !p.OpenLoopReplay {
		add("--open-loop-strict and --no-open-loop-replay cannot be used together")
	}
	if (p.CustomDatasetType == "dag_jsonl" || p.CustomDatasetType == "sagemaker_data_capture") && p.EndpointType != "chat" {
		add("--custom-dataset-type %s sends each turn's chat messages as written: it needs --endpoint-type chat, not %s", p.CustomDatasetType, p.EndpointType)
	}
	p.checkSynthesis(add)
	p.checkAccuracy(add)
	p.checkWeka(add)
}

// checkWeka: the weka_trace knobs, refused on other formats (where they
// would do nothing).
func (p *Profile) checkWeka(add func(string, ...any)) {
	refuseGiven(add, p.CustomDatasetType == "weka_trace" || p.publicWeka(), "%s applies to weka traces (--custom-dataset-type weka_trace, or a weka --public-dataset)",
		given{"--use-think-time-only", p.UseThinkTimeOnly}, given{"--max-context-length", p.MaxContextLength != 0},
		given{"--trace-idle-gap-cap-seconds", p.TraceIdleGapCap != nil}, given{"--allow-dataset-wrap", p.AllowDatasetWrap})
	switch {
	case p.MaxContextLength < 0:
		add("--max-context-length must be at least 1, got %d", p.MaxContextLength)
	case p.TraceIdleGapCap != nil && !(*p.TraceIdleGapCap >= 0):
		add("--trace-idle-gap-cap-seconds must not be negative, got %g", *p.TraceIdleGapCap)
	case p.UseThinkTimeOnly && p.IgnoreTraceDelays:
		add("--use-think-time-only and --ignore-trace-delays cannot be used together")
	}
}

// checkAccuracy: a graded task set is a local file of problems sent to a
// text API.
func (p *Profile) checkAccuracy(add func(string, ...any)) {
	if p.AccuracyBenchmark == "" {
		refuseGiven(add, false, "%s needs --accuracy-benchmark",
			given{"--accuracy-tasks", len(p.AccuracyTasks) > 0}, given{"--accuracy-n-shots", p.AccuracyShots != nil}, given{"--accuracy-enable-cot", p.AccuracyCoT},
			given{"--accuracy-no-enable-cot", p.AccuracyNoCoT}, given{"--accuracy-grader", p.AccuracyGrader != ""},
			given{"--accuracy-system-prompt", p.AccuracySystemPrompt != nil}, given{"--accuracy-verbose", p.AccuracyVerbose})
		return
	}
	switch {
	case p.CustomDatasetType != "" || p.PublicName() != "":
		add("--accuracy-benchmark's --input-file holds its problems: drop --custom-dataset-type and --public-dataset")
	case p.EndpointType != "chat" && p.EndpointType != "completions":
		add("--accuracy-benchmark grades text answers: --endpoint-type chat or completions, not %s", p.EndpointType)
	case p.AccuracyCoT && p.AccuracyNoCoT:
		add("--accuracy-enable-cot and --accuracy-no-enable-cot cannot be used together")
	}
}

// checkSynthesis: the --synthesis-* options reshape a mooncake trace's
// hash-id tree (the caps also bound a baseten_trace's rows).
func (p *Profile) checkSynthesis(add func(string, ...any)) {
	shapes := []struct {
		flag string
		v    float64
	}{{"--synthesis-speedup-ratio", p.SynthesisSpeedup}, {"--synthesis-prefix-len-multiplier", p.SynthesisPrefixLen},
		{"--synthesis-prompt-len-multiplier", p.SynthesisPromptLen}, {"--synthesis-output-len-multiplier", p.SynthesisOutputLen}}
	for _, f := range shapes {
		if f.v != 1 && p.CustomDatasetType != "mooncake_trace" {
			add("%s reshapes a trace's hash-id tree: it needs --custom-dataset-type mooncake_trace", f.flag)
		}
	}
	if !(p.SynthesisSpeedup > 0) {
		add("--synthesis-speedup-ratio must be above 0, got %g", p.SynthesisSpeedup)
	}
	for _, f := range shapes[1:] {
		if !(f.v >= 0) {
			add("%s must not be negative, got %g", f.flag, f.v)
		}
	}
	if p.SynthesisPrefixRoots < 1 {
		add("--synthesis-prefix-root-multiplier must be at least 1, got %d", p.SynthesisPrefixRoots)
	} else if p.SynthesisPrefixRoots > 1 && p.CustomDatasetType != "mooncake_trace" {
		add("--synthesis-prefix-root-multiplier reshapes a trace's hash-id tree: it needs --custom-dataset-type mooncake_trace")
	}
	for _, f := range []struct {
		flag string
		v    int
	}{{"--synthesis-max-isl", p.SynthesisMaxISL}, {"--synthesis-max-osl", p.SynthesisMaxOSL}} {
		switch {
		case f.v < 0:
			add("%s must be at least 1, got %d", f.flag, f.v)
		case f.v > 0 && !slices.Contains([]string{"mooncake_trace", "baseten_trace", "weka_trace"}, p.CustomDatasetType):
			add("%s bounds a trace's requests: it needs --custom-dataset-type mooncake_trace, baseten_trace or weka_trace", f.flag)
		}
	}
}

// given is a flag and whether the command line set it.
type given struct {
	flag string
	set  bool
}

// refuseGiven says format (with the flag's name) of each flag given,
// unless ok: what such a flag needs is missing.
func refuseGiven(add func(string, ...any), ok bool, format string, flags ...given) {
	if ok {
		return
	}
	for _, f := range flags {
		if f.set {
			add(format, f.flag)
		}
	}
}
