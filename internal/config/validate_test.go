package config

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func valid() Profile {
	return Profile{Model: []string{"m"}, URL: []string{"localhost:8000"}, EndpointType: "chat", NumDatasetEntries: 100,
		ConversationTurnMean: 1, ConversationDelayRatio: 1, InputTokensMean: 550, ArrivalPattern: "poisson",
		RequestTimeoutSeconds: 600, ExportLevel: "records", LogLevel: "INFO",
		SessionHeader: "X-Correlation-ID", ContextMode: "deltas_without_responses", ConnectionReuse: "pooled", SessionArrival: "poisson", ISLBlockSize: 512, PromptBatchSize: 1, SessionOnError: "continue",
		WaitForModelInterval: 5, NetworkPingInterval: 1, NumProfileRuns: 1, ConfidenceLevel: 0.95, ConvergenceThreshold: 0.1,
		SLOAttainment: 0.95, SearchMaxProbes: 12, ResetKVCacheTimeout: 30, OpenLoopReplay: true, ForceMinTokens: true,
		SynthesisSpeedup: 1, SynthesisPrefixLen: 1, SynthesisPromptLen: 1, SynthesisOutputLen: 1, SynthesisPrefixRoots: 1}
}

func TestValidateRules(t *testing.T) {
	if errs := (&Profile{}).Validate(); len(errs) == 0 {
		t.Fatal("empty profile accepted")
	}
	p := valid()
	if errs := p.Validate(); len(errs) != 0 {
		t.Fatalf("valid profile rejected: %v", errs)
	}
	cases := []struct {
		mut  func(*Profile)
		want string
	}{
		{func(p *Profile) { p.Model = nil }, "--model-names"},
		{func(p *Profile) { p.BenchmarkDuration, p.RequestCount = ptr(5.0), ptr(10) }, "Count-based and duration-based benchmarking cannot be used together"},
		{func(p *Profile) { p.BenchmarkGracePeriod = ptr(1.0) }, "--benchmark-grace-period can only be used with duration-based benchmarking"},
		{func(p *Profile) { p.RequestCount, p.ConversationNum = ptr(10), ptr(3) }, "Both a request-count and number of conversations are set"},
		{func(p *Profile) { p.ArrivalSmoothness = ptr(2.0) }, "--arrival-smoothness can only be used with --arrival-pattern gamma"},
		{func(p *Profile) { p.RequestRate, p.ArrivalPattern = ptr(2.0), "concurrency_burst" }, "concurrency_burst cannot be used with --request-rate"},
		{func(p *Profile) { p.Concurrency = ptr(0) }, "--concurrency must be at least 1"},
		{func(p *Profile) { p.RequestRate = ptr(-1.0) }, "--request-rate must be greater than 0"},
		{func(p *Profile) { p.ConversationDelayMean = -5 }, "--conversation-turn-delay-mean must not be negative"},
		{func(p *Profile) { p.Header = []string{"NoColon"} }, "--header: a value is not in 'Name:Value' format"},
		{func(p *Profile) { p.Header = []string{"X-A: b\r\nX-Evil: 1"} }, "--header X-A: a line break"},
		{func(p *Profile) { p.SessionHeader = "X-S\n" }, "--session-header"},
		{func(p *Profile) { p.CustomEndpoint = "/v1/chat\r\n" }, "--custom-endpoint"},
		{func(p *Profile) { p.Model = []string{""} }, "--model-names \"\""},
		{func(p *Profile) { p.ExportPrefix = "../../x" }, "--profile-export-prefix \"../../x\": a file name"},
		{func(p *Profile) { p.SessionArrivalSmoothness = new(float64); *p.SessionArrivalSmoothness = 2 }, "--session-arrival-smoothness needs --session-arrival-rate"},
		{func(p *Profile) { p.TPOTSLA, p.ITLSLA = new(float64), new(float64); *p.TPOTSLA, *p.ITLSLA = 5, 6 }, "TPOT and ITL are one metric"},
		{func(p *Profile) {
			p.SessionArrivalRate, p.SessionArrival, p.SessionArrivalSmoothness = new(float64), "gamma", new(float64)
			*p.SessionArrivalRate = 1
		}, "--session-arrival-smoothness must be greater than 0"},
		{func(p *Profile) { p.InputTokensMean = 0 }, "--isl"},
		{func(p *Profile) { p.UserCentricRate, p.ConversationTurnMean = ptr(2.0), 3 }, "--user-centric-rate requires --num-users to be set"},
		{func(p *Profile) { p.UserCentricRate, p.NumUsers = ptr(2.0), ptr(4) }, "--user-centric-rate requires multi-turn conversations (--session-turns-mean >= 2)"},
		{func(p *Profile) {
			p.UserCentricRate, p.NumUsers, p.ConversationTurnMean, p.RequestRate = ptr(2.0), ptr(4), 3, ptr(1.0)
		}, "--user-centric-rate cannot be used together with --request-rate or --arrival-pattern"},
		{func(p *Profile) { p.NumUsers = ptr(3) }, "--num-users can only be used with --user-centric-rate"},
		{func(p *Profile) { p.PrefillConcurrency = ptr(2) }, "--prefill-concurrency requires --streaming to be enabled"},
		{func(p *Profile) { p.CancellationDelay = ptr(1.0) }, "--request-cancellation-delay can only be used with --request-cancellation-rate"},
		{func(p *Profile) { p.CancellationRate = ptr(150.0) }, "--request-cancellation-rate must be a percentage"},
		{func(p *Profile) { p.SessionHeader = "Bad Header" }, "--session-header"},
		{func(p *Profile) { p.FixedSchedule = true }, "Fixed schedule requires a file to be provided"},
		{func(p *Profile) { p.PublicDataset, p.CustomDatasetType, p.InputFile = "sharegpt", "single_turn", "f" }, "--public-dataset and --custom-dataset-type cannot be used together"},
		{func(p *Profile) { p.InputFile = "f" }, "--input-file needs --custom-dataset-type"},
		{func(p *Profile) {
			p.InputFile, p.CustomDatasetType, p.FixedAutoOffset, p.FixedStartOffset = "f", "mooncake_trace", true, ptr(int64(5))
		}, "--fixed-schedule-auto-offset and --fixed-schedule-start-offset cannot be used together"},
		{func(p *Profile) { p.FixedAutoOffset = true }, "--fixed-schedule-* can only be used with --fixed-schedule"},
		{func(p *Profile) { p.TraceSampleRatio = 1.5 }, "--trace-session-sample-ratio must be in (0, 1]"},
		{func(p *Profile) { p.ReplaySpeedup = ptr(2.0) }, "--replay-speedup replays a file: it needs --input-file"},
		{func(p *Profile) { p.ReplaySpeedup = ptr(0.0) }, "--replay-speedup must be above 0"},
		{func(p *Profile) { p.InterTurnDelayCap = ptr(-1.0) }, "--inter-turn-delay-cap-seconds must not be negative"},
		{func(p *Profile) { p.MaxIdleGapCap = ptr(0.0) }, "--max-idle-gap-cap-seconds must be above 0"},
		{func(p *Profile) { p.InputFile, p.CustomDatasetType, p.OmitKVHints = "f", "mooncake_trace", true }, "--omit-kv-hints applies to --custom-dataset-type baseten_trace"},
		{func(p *Profile) { p.InputFile, p.CustomDatasetType, p.OpenLoopReplay = "f", "single_turn", false }, "--no-open-loop-replay applies to --custom-dataset-type baseten_trace"},
		{func(p *Profile) {
			p.InputFile, p.CustomDatasetType, p.OpenLoopReplay, p.OpenLoopStrict = "f", "baseten_trace", false, true
		}, "--open-loop-strict and --no-open-loop-replay cannot be used together"},
		{func(p *Profile) { p.InputFile, p.CustomDatasetType, p.SynthesisPrefixLen = "f", "bailian_trace", 2 }, "--synthesis-prefix-len-multiplier reshapes a trace's hash-id tree: it needs --custom-dataset-type mooncake_trace"},
		{func(p *Profile) { p.SynthesisPrefixRoots = 3 }, "--synthesis-prefix-root-multiplier reshapes"},
		{func(p *Profile) { p.SynthesisPrefixRoots = 0 }, "--synthesis-prefix-root-multiplier must be at least 1"},
		{func(p *Profile) { p.InputFile, p.CustomDatasetType, p.SynthesisSpeedup = "f", "mooncake_trace", 0 }, "--synthesis-speedup-ratio must be above 0"},
		{func(p *Profile) { p.InputFile, p.CustomDatasetType, p.SynthesisPromptLen = "f", "mooncake_trace", -1 }, "--synthesis-prompt-len-multiplier must not be negative"},
		{func(p *Profile) { p.SynthesisMaxOSL = 10 }, "--synthesis-max-osl bounds a trace's requests"},
		{func(p *Profile) { p.SynthesisMaxISL = -2 }, "--synthesis-max-isl must be at least 1"},
		{func(p *Profile) { p.UseThinkTimeOnly = true }, "--use-think-time-only applies to weka traces"},
		{func(p *Profile) { p.InputFile, p.CustomDatasetType, p.MaxContextLength = "f", "weka_trace", -1 }, "--max-context-length must be at least 1"},
		{func(p *Profile) {
			p.InputFile, p.CustomDatasetType, p.UseThinkTimeOnly, p.IgnoreTraceDelays = "f", "weka_trace", true, true
		}, "--use-think-time-only and --ignore-trace-delays cannot be used together"},
		{func(p *Profile) { p.InputFile, p.CustomDatasetType, p.TraceIdleGapCap = "f", "weka_trace", ptr(-1.0) }, "--trace-idle-gap-cap-seconds must not be negative"},
		{func(p *Profile) { p.AccuracyVerbose = true }, "--accuracy-verbose needs --accuracy-benchmark"},
		{func(p *Profile) { p.AccuracyBenchmark, p.PublicDataset = "mmlu", "aimo" }, "--accuracy-benchmark's --input-file holds its problems: drop --custom-dataset-type and --public-dataset"},
		{func(p *Profile) { p.AccuracyBenchmark, p.InputFile, p.CustomDatasetType = "mmlu", "f", "single_turn" }, "drop --custom-dataset-type"},
		{func(p *Profile) { p.AccuracyBenchmark, p.InputFile, p.EndpointType = "mmlu", "f", "embeddings" }, "--endpoint-type chat or completions"},
		{func(p *Profile) {
			p.AccuracyBenchmark, p.InputFile, p.AccuracyCoT, p.AccuracyNoCoT = "mmlu", "f", true, true
		}, "cannot be used together"},
		{func(p *Profile) { p.CustomDatasetType, p.InputFile, p.EndpointType = "dag_jsonl", "f", "completions" }, "dag_jsonl sends each turn's chat messages"},

		{func(p *Profile) { p.VideoWidth, p.VideoBatchSize = 640, 1 }, "--video-width and --video-height: set both"},
		{func(p *Profile) { p.VideoBatchSize = -1 }, "--video-batch-size must not be negative"},
		{func(p *Profile) { p.VideoWidth, p.VideoHeight, p.VideoBatchSize, p.InputFile = 64, 48, 1, "f" }, "--video-* generate synthetic videos"},
		{func(p *Profile) {
			p.VideoWidth, p.VideoHeight, p.VideoBatchSize, p.EndpointType = 64, 48, 1, "completions"
		}, "videos are sent with chat"},
		{func(p *Profile) { p.RequestContentType, p.EndpointType = "application/json", "image_edit" }, "uploads a file"},
		{func(p *Profile) { p.RequestContentType, p.EndpointType = "multipart/form-data", "raw" }, "sends its bodies as written"},
		{func(p *Profile) { p.UUIDAndStrip, p.EndpointType = true, "completions" }, "--uuid-and-strip: image uuids go in chat"},
		{func(p *Profile) { p.UUIDAndStrip = true }, "--uuid-and-strip strips repeated images of a single_turn --input-file"},
	}
	for _, c := range cases {
		p := valid()
		c.mut(&p)
		errs := p.Validate()
		if !strings.Contains(Join(errs).Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, errs)
		}
	}
}

// Non-finite and absurd values fail validation naming their flag, instead of
// hanging a run or writing input_config as {}.
func TestFiniteAndBounded(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		mut  func(*Profile)
		want string
	}{
		{func(p *Profile) { p.RequestRateList = []float64{inf} }, "--request-rate must be a finite number"},
		{func(p *Profile) { p.RequestRateList = []float64{1e308} }, "--request-rate must be at most"},
		{func(p *Profile) { p.RequestRateList = []float64{nan} }, "--request-rate must be a finite number"},
		{func(p *Profile) { p.ConversationDelayMean = inf }, "--conversation-turn-delay-mean must be a finite number"},
		{func(p *Profile) { p.ConversationDelayMean = 1e300 }, "--conversation-turn-delay-mean must be at most"},
		{func(p *Profile) { p.BenchmarkDuration = ptr(nan) }, "--benchmark-duration must be a finite number"},
		{func(p *Profile) { p.RequestTimeoutSeconds = inf }, "--request-timeout-seconds must be a finite number"},
		{func(p *Profile) { p.SessionArrivalRate = ptr(inf) }, "--session-arrival-rate must be a finite number"},
		{func(p *Profile) { p.InputTokensStddev = nan }, "--prompt-input-tokens-stddev must be a finite number"},
		{func(p *Profile) { p.ConcurrencyList = []int{-1} }, "--concurrency must be at least 1"},
		{func(p *Profile) { p.URL = []string{"ftp://host/x"} }, `scheme "ftp" is not supported`},
		{func(p *Profile) { p.URL = []string{"http://[::1"} }, "not a valid URL"},
		{func(p *Profile) { p.URL = []string{"http://:8000"} }, "no host"},
		{func(p *Profile) { p.URL = []string{"http://h:99999"} }, "not in 1..65535"},
		{func(p *Profile) { p.Tokenizer = "/no/such/path" }, "--tokenizer /no/such/path"},
		{func(p *Profile) { p.Tokenizer = "./tok.json" }, "--tokenizer ./tok.json"},
	}
	for _, c := range cases {
		p := valid()
		c.mut(&p)
		got := Join(p.Validate())
		if got == nil || !strings.Contains(got.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, got)
		}
	}
	p := valid()
	p.Tokenizer = "Qwen/Qwen3-0.6B" // a Hub name, not a path
	if errs := p.Validate(); len(errs) != 0 {
		t.Errorf("a Hub name was taken for a path: %v", errs)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:pw@host:8000/v1":   "http://user:xxxxx@host:8000/v1",
		"http://user@host":              "http://user@host",
		"localhost:8000":                "localhost:8000",
		"http://u:p%zz@host":            "http://u:xxxxx@host",
		"http://a:pw@h,http://b:pw2@i":  "http://a:xxxxx@h,http://b:xxxxx@i",
		"http://u:p@ss@host/x":          "http://u:xxxxx@host/x",
		"https://a:secret@h/x?k=v#frag": "https://a:xxxxx@h/x?k=v#frag",
	} {
		if got := RedactURL(in); got != want || strings.Contains(got, "secret") || strings.Contains(got, ":pw") {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzValidateFloats: any float value, however extreme, either passes
// validation finite and bounded or fails it; validation never panics and
// never passes a non-finite value.
func FuzzValidateFloats(f *testing.F) {
	f.Add(1.0, 0.0, 10.0, 1.0)
	f.Add(math.Inf(1), math.NaN(), -1.0, 1e308)
	f.Add(5e-324, -0.0, 1e6, 1e7)
	f.Fuzz(func(t *testing.T, rate, delay, duration, ratio float64) {
		p := valid()
		p.RequestRate, p.ConversationDelayMean, p.BenchmarkDuration, p.ConversationDelayRatio = &rate, delay, &duration, ratio
		if len(p.Validate()) > 0 {
			return
		}
		for _, x := range []float64{rate, delay, duration, ratio} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("accepted %v", x)
			}
		}
		if rate > maxRate || duration > maxSeconds || delay*ratio > maxMs {
			t.Fatalf("accepted rate %v duration %v delay %v × %v", rate, duration, delay, ratio)
		}
	})
}

// The enum tags of the context-mode and reuse flags spell the constants the
// code compares with.
func TestEnumConstants(t *testing.T) {
	tags := map[string]string{}
	rt := reflect.TypeOf(Profile{})
	for i := range rt.NumField() {
		f := rt.Field(i)
		tags[f.Tag.Get("name")] = f.Tag.Get("enum") + "," + f.Tag.Get("default")
	}
	for flag, values := range map[string][]string{
		"conversation-context-mode": {ContextLive, ContextDeltasCanned, ContextArrayCanned},
		"connection-reuse-strategy": {ReusePooled, ReuseNever, ReuseSticky},
	} {
		enum := strings.Split(tags[flag], ",")
		for _, v := range values {
			if !slices.Contains(enum, v) {
				t.Errorf("--%s does not accept %q (enum %v)", flag, v, enum)
			}
		}
	}
}

// --tpot-sla-ms is --itl-sla-ms by AIPerf's other name: it makes a search
// and sets the ITL SLA the search judges by.
func TestTPOTIsITL(t *testing.T) {
	tpot := 25.0
	p := &Profile{TPOTSLA: &tpot}
	if !p.Searching() {
		t.Error("a TPOT SLA alone does not make a search")
	}
	p.ResolveLists()
	if p.ITLSLA == nil || *p.ITLSLA != 25 {
		t.Errorf("ITL SLA %v", p.ITLSLA)
	}
}

// A warm-up turned off (the repeated runs after the first) takes its own
// load with it: nothing of it is left to refuse.
func TestDropWarmup(t *testing.T) {
	c, r := 2, 5.0
	p := valid()
	p.WarmupSessions, p.WarmupConcurrency, p.WarmupRequestRate, p.WarmupArrivalPattern = &c, &c, &r, "constant"
	p.WarmupDataset = "isl=5"
	(&p).DropWarmup()
	if p.Warmup() || len(p.Validate()) > 0 {
		t.Errorf("warm-up %v, errors %v", p.Warmup(), p.Validate())
	}
}
