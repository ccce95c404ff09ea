package config

import (
	"strings"
	"testing"
)

// agentic is a valid agentic replay's flags.
func agentic() Profile {
	p := valid()
	p.InputFile, p.CustomDatasetType, p.ConcurrencyList = "traces", "weka_trace", []int{4}
	p.BurstPhaseStarts = true
	return p
}

// The agentic replay's rules, each naming its flag.
func TestAgenticRules(t *testing.T) {
	p := agentic()
	if errs := p.Validate(); len(errs) != 0 {
		t.Fatalf("valid agentic replay rejected: %v", errs)
	}
	for _, c := range []struct {
		mut  func(*Profile)
		want string
	}{
		{func(p *Profile) { p.TrajectoryStartMin = ptr(1.5) }, "--trajectory-start-min-ratio must be in [0, 1], got 1.5"},
		{func(p *Profile) { p.TrajectoryStartMax = ptr(0.1) }, "--trajectory-start-min-ratio 0.25 is above --trajectory-start-max-ratio 0.1"},
		{func(p *Profile) { p.AgenticCacheWarmup = ptr(0.0) }, "--agentic-cache-warmup-duration must be above 0"},
		{func(p *Profile) { p.AgenticWarmupGrace = ptr(-1.0) }, "--agentic-warmup-grace-period must not be negative"},
		{func(p *Profile) { p.SystemIdleGapCap = ptr(-1.0) }, "--system-idle-gap-cap-seconds must not be negative"},
		{func(p *Profile) { p.ConcurrencyList = nil }, "the agentic replay runs --concurrency lanes"},
		{func(p *Profile) { p.InputFile, p.CustomDatasetType = "", "" }, "replays a trace's trajectories: give --input-file"},
		{func(p *Profile) { p.SessionArrivalRate = ptr(2.0) }, "closed loop of --concurrency lanes: drop --session-arrival-rate"},
		{func(p *Profile) { p.FixedSchedule = true }, "drop --fixed-schedule"},
		{func(p *Profile) { p.WarmupRequestCount = 3 }, "warms up on its own"},
		{func(p *Profile) {
			p.BurstPhaseStarts, p.SystemIdleGapCap, p.RequestRateList = false, ptr(1.0), []float64{3}
		}, "--system-idle-gap-cap-seconds pulls think times in; --request-rate"},
	} {
		p := agentic()
		c.mut(&p)
		if errs := p.Validate(); !strings.Contains(Join(errs).Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, errs)
		}
	}
}

// A scenario fills what is unset, keeps what agrees, and names every
// conflict at once; --unsafe-override turns them into the outcome's.
func TestLockScenario(t *testing.T) {
	p := agentic()
	p.Scenario, p.CustomDatasetType, p.BurstPhaseStarts = "agentx", "", false
	o, err := p.LockScenario()
	if err != nil {
		t.Fatal(err)
	}
	if !p.Streaming || p.CacheBust != "first_turn_prefix" || *p.BenchmarkDuration != 3600 || *p.TrajectoryStartMin != 0.25 || *p.SystemIdleGapCap != 10 ||
		*p.RandomSeed != 42 || *p.TraceIdleGapCap != 300 || !p.UseServerTokenCount || p.CustomDatasetType != "weka_trace" || p.ExtraInputs[0] != "ignore_eos:true" {
		t.Fatalf("filled %+v", p)
	}
	if !o.Valid() || len(o.Applied) != 13 || string(o.Metadata(false)) != `{"scenario":"agentx","submission_valid":true}` {
		t.Fatalf("outcome %+v, metadata %s", o, o.Metadata(false))
	}
	if got := string(o.Metadata(true)); got != `{"scenario":"agentx","submission_valid":false,"submission_invalid_reasons":["run_cancelled"]}` {
		t.Fatalf("cancelled: %s", got)
	}
	if errs := p.Validate(); len(errs) != 0 {
		t.Fatalf("the locked flags do not validate: %v", errs)
	}

	p = agentic()
	p.Scenario, p.CustomDatasetType, p.BenchmarkDuration, p.CacheBust = "inferencex-agentx-mvp", "mooncake_trace", ptr(60.0), "system_prefix"
	p.ExtraInputs, p.IgnoreTraceDelays, p.InterTurnDelayCap, p.SynthesisMaxISL, p.RequestCount = []string{`{"ignore_eos": false}`}, true, ptr(1.0), 9, ptr(3)
	_, err = p.LockScenario()
	for _, want := range []string{"8 option(s) conflict", "--custom-dataset-type mooncake_trace", "--benchmark-duration 60: at least 900 s", "ignore_eos:false",
		"--cache-bust system_prefix", "--ignore-trace-delays", "--inter-turn-delay-cap-seconds", "--synthesis-max-isl 9", "--request-count", "--unsafe-override runs anyway"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
	p.UnsafeOverride = true
	if o, err := p.LockScenario(); err != nil || o.Valid() || len(o.Violations) != 8 || o.InvalidReasons[0] != "unsafe_override" {
		t.Fatalf("override: %+v, %v", o, err)
	}
	for _, c := range []struct {
		mut  func(*Profile)
		want string
	}{
		{func(p *Profile) { p.Scenario = "nope" }, `--scenario "nope" is not a scenario sonde knows (agentx, inferencex-agentx-mvp)`},
		{func(p *Profile) { p.Scenario, p.InputFile = "agentx", "" }, "--unsafe-override cannot make up a dataset"},
	} {
		p := agentic()
		c.mut(&p)
		p.UnsafeOverride = true
		if _, err := p.LockScenario(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
	if o, err := (&Profile{}).LockScenario(); o != nil || err != nil {
		t.Fatal("no scenario, yet an outcome")
	}
	if v, ok := extraInput([]string{"top_k:5", "ignore_eos: True"}, "ignore_eos"); !ok || v != "true" {
		t.Fatalf("extraInput %q %v", v, ok)
	}
}

// The Hub's options refine a public dataset, each refused alone; the
// weka repository selects weka_hf, and the AgentX scenario takes it.
func TestPublicRules(t *testing.T) {
	for _, c := range []struct {
		mut  func(*Profile)
		want string
	}{
		{func(p *Profile) { p.HFSubset = "main" }, "--hf-subset refines a --public-dataset"},
		{func(p *Profile) { p.PublicDataset, p.DatasetFilter = "aimo", []string{"nokey"} }, `--dataset-filter "nokey": COLUMN=VALUE`},
		{func(p *Profile) { p.PublicDataset, p.HFWekaDataset = "aimo", "a/b" }, "--hf-weka-dataset selects --public-dataset weka_hf: drop --public-dataset aimo"},
		{func(p *Profile) { p.HFWekaDataset = "ab" }, `--hf-weka-dataset "ab": a Hugging Face repository`},
		{func(p *Profile) { p.PublicDataset = "weka_hf" }, "--public-dataset weka_hf needs --hf-weka-dataset"},
		{func(p *Profile) { p.HFWekaDataset, p.CustomDatasetType, p.InputFile = "a/b", "weka_trace", "x" }, "--public-dataset and --custom-dataset-type cannot be used together"},
	} {
		p := valid()
		c.mut(&p)
		if errs := p.Validate(); !strings.Contains(Join(errs).Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, errs)
		}
	}
	p := valid()
	p.HFWekaDataset, p.DatasetFilter, p.ConcurrencyList = "team/traces", []string{"id = t1"}, []int{2}
	if errs := p.Validate(); len(errs) != 0 || p.PublicName() != "weka_hf" || p.DatasetFilters()["id"] != "t1" {
		t.Fatalf("weka_hf: %v", errs)
	}
	p.Scenario = "agentx"
	if o, err := p.LockScenario(); err != nil || p.CustomDatasetType != "" || !o.Valid() || *p.TraceIdleGapCap != 300 {
		t.Fatalf("AgentX over the Hub's traces: %+v %v", o, err)
	}
	if errs := p.Validate(); len(errs) != 0 {
		t.Fatalf("AgentX's defaults over the Hub's traces do not validate: %v", errs)
	}
	p = valid()
	p.PublicDataset, p.Scenario, p.ConcurrencyList = "aimo", "agentx", []int{1}
	if _, err := p.LockScenario(); err == nil || !strings.Contains(err.Error(), "--public-dataset aimo: the scenario replays weka traces") {
		t.Fatalf("AgentX over prompts: %v", err)
	}
}
