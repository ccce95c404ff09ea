package config

import (
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func valid() Profile {
	return Profile{Model: []string{"m"}, URL: []string{"localhost:8000"}, EndpointType: "chat", NumDatasetEntries: 100,
		ConversationTurnMean: 1, ConversationDelayRatio: 1, InputTokensMean: 550, ArrivalPattern: "poisson",
		RequestTimeoutSeconds: 600, ExportLevel: "records", LogLevel: "INFO",
		SessionHeader: "X-Correlation-ID", ContextMode: "deltas_without_responses", ConnectionReuse: "pooled", SessionArrival: "poisson", ISLBlockSize: 512, PromptBatchSize: 1}
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
		{func(p *Profile) { p.Header = []string{"NoColon"} }, "--header \"NoColon\""},
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
