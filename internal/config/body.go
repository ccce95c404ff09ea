package config

import (
	"encoding/json"
	"strings"
)

// Body is AIPerf's benchmark body, as far as sonde's flags reach: the
// `benchmark:` section of its YAML config files (schemaVersion "2.0") and
// the input_config object of profile_export_aiperf.json. Keys are AIPerf's
// snake_case names; the loader also takes its camelCase spellings.
type Body struct {
	Models    Models     `json:"models" yaml:"models"`
	Endpoint  Endpoint   `json:"endpoint" yaml:"endpoint"`
	Datasets  []Dataset  `json:"datasets" yaml:"datasets"`
	Phases    []Phase    `json:"phases" yaml:"phases"`
	Artifacts Artifacts  `json:"artifacts" yaml:"artifacts"`
	Tokenizer *Tokenizer `json:"tokenizer,omitempty" yaml:"tokenizer,omitempty"`
	Runtime   *Runtime   `json:"runtime,omitempty" yaml:"runtime,omitempty"`
}

// Models is the model list: a plain list in YAML, {"items":[{"name":…}]}
// in input_config as AIPerf writes it.
type Models []string

// MarshalJSON writes AIPerf's normalised model list.
func (m Models) MarshalJSON() ([]byte, error) {
	type item struct {
		Name string `json:"name"`
	}
	items := make([]item, len(m))
	for i, n := range m {
		items[i] = item{n}
	}
	return json.Marshal(struct {
		Items []item `json:"items"`
	}{items})
}

type Endpoint struct {
	URLs               []string          `json:"urls" yaml:"urls"`
	Type               string            `json:"type" yaml:"type"`
	Streaming          bool              `json:"streaming" yaml:"streaming"`
	Path               string            `json:"path,omitempty" yaml:"path,omitempty"`
	Timeout            float64           `json:"timeout" yaml:"timeout"`
	ConnectionReuse    string            `json:"connection_reuse" yaml:"connection_reuse"`
	Headers            map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	Extra              map[string]any    `json:"extra,omitempty" yaml:"extra,omitempty"`
	UseLegacyMaxTokens bool              `json:"use_legacy_max_tokens,omitempty" yaml:"use_legacy_max_tokens,omitempty"`
	UseServerTokens    bool              `json:"use_server_token_count,omitempty" yaml:"use_server_token_count,omitempty"`
}

// Dist is a mean and a standard deviation.
type Dist struct {
	Mean   float64 `json:"mean" yaml:"mean"`
	Stddev float64 `json:"stddev" yaml:"stddev"`
}

// Prompts are the lengths of a synthetic dataset's turns. ISL and OSL are
// a Dist, or any other of AIPerf's sampling distributions as its mapping
// (--isl-distribution, --osl-distribution).
type Prompts struct {
	ISL                  any    `json:"isl" yaml:"isl"`
	OSL                  any    `json:"osl,omitempty" yaml:"osl,omitempty"`
	SequenceDistribution string `json:"sequence_distribution,omitempty" yaml:"sequence_distribution,omitempty"`
	BlockSize            int    `json:"block_size,omitempty" yaml:"block_size,omitempty"`
}

// distMapping is a distribution flag's JSON as a mapping (nil when unset
// or not an object).
func distMapping(s string) map[string]any {
	var m map[string]any
	if s == "" || json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

type PrefixPrompts struct {
	PoolSize           int `json:"pool_size,omitempty" yaml:"pool_size,omitempty"`
	Length             int `json:"length,omitempty" yaml:"length,omitempty"`
	SharedSystemLength int `json:"shared_system_length,omitempty" yaml:"shared_system_length,omitempty"`
	UserContextLength  int `json:"user_context_length,omitempty" yaml:"user_context_length,omitempty"`
}

type Dataset struct {
	Name           string         `json:"name" yaml:"name"`
	Type           string         `json:"type" yaml:"type"` // synthetic, file or public
	Dataset        string         `json:"dataset,omitempty" yaml:"dataset,omitempty"`
	Path           string         `json:"path,omitempty" yaml:"path,omitempty"`
	Records        []any          `json:"records,omitempty" yaml:"records,omitempty"` // an inline dataset
	Format         string         `json:"format,omitempty" yaml:"format,omitempty"`
	Entries        int            `json:"entries" yaml:"entries"`
	RandomSeed     *int64         `json:"random_seed,omitempty" yaml:"random_seed,omitempty"`
	Sampling       string         `json:"sampling_strategy,omitempty" yaml:"sampling_strategy,omitempty"`
	Prompts        Prompts        `json:"prompts" yaml:"prompts"`
	PrefixPrompts  *PrefixPrompts `json:"prefix_prompts,omitempty" yaml:"prefix_prompts,omitempty"`
	Turns          Dist           `json:"turns" yaml:"turns"`
	TurnDelay      Dist           `json:"turn_delay" yaml:"turn_delay"`
	TurnDelayRatio float64        `json:"turn_delay_ratio" yaml:"turn_delay_ratio"`
	Images         *Images        `json:"images,omitempty" yaml:"images,omitempty"`
	Audio          *Audio         `json:"audio,omitempty" yaml:"audio,omitempty"`
	Video          *Video         `json:"video,omitempty" yaml:"video,omitempty"`
}

// Video is the video block of a synthetic dataset (AIPerf's --video-*).
type Video struct {
	BatchSize int        `json:"batch_size" yaml:"batch_size"`
	Duration  float64    `json:"duration" yaml:"duration"`
	FPS       int        `json:"fps" yaml:"fps"`
	Width     int        `json:"width" yaml:"width"`
	Height    int        `json:"height" yaml:"height"`
	SynthType string     `json:"synth_type" yaml:"synth_type"`
	Format    string     `json:"format" yaml:"format"`
	Codec     string     `json:"codec" yaml:"codec"`
	Audio     VideoAudio `json:"audio" yaml:"audio"`
}

// VideoAudio is a video's embedded audio track (none with 0 channels).
type VideoAudio struct {
	SampleRate  float64 `json:"sample_rate" yaml:"sample_rate"`
	NumChannels int     `json:"num_channels" yaml:"num_channels"`
	Codec       string  `json:"codec,omitempty" yaml:"codec,omitempty"`
	Depth       int     `json:"depth" yaml:"depth"`
}

// Audio is AIPerf's audio block of a synthetic dataset.
type Audio struct {
	Length      Dist      `json:"length" yaml:"length"`
	BatchSize   int       `json:"batch_size" yaml:"batch_size"`
	Format      string    `json:"format" yaml:"format"`
	Depths      []int     `json:"depths" yaml:"depths"`
	SampleRates []float64 `json:"sample_rates" yaml:"sample_rates"`
	NumChannels int       `json:"num_channels" yaml:"num_channels"`
}

// Images is AIPerf's image block of a synthetic dataset.
type Images struct {
	Width     Dist   `json:"width" yaml:"width"`
	Height    Dist   `json:"height" yaml:"height"`
	BatchSize int    `json:"batch_size" yaml:"batch_size"`
	Format    string `json:"format" yaml:"format"`
	Source    string `json:"source" yaml:"source"`
	Sampling  string `json:"source_sampling" yaml:"source_sampling"`
}

type Cancellation struct {
	Rate  float64 `json:"rate" yaml:"rate"`
	Delay float64 `json:"delay" yaml:"delay"`
}

// Phase is one load phase; sonde has a warm-up (a request count) and one
// profiling phase.
type Phase struct {
	Name               string                                   `json:"name" yaml:"name"`
	Kind               string                                   `json:"kind,omitempty" yaml:"kind,omitempty"` // profiling, for a phase of another name
	Type               string                                   `json:"type" yaml:"type"`
	Dataset            string                                   `json:"dataset,omitempty" yaml:"dataset,omitempty"`
	Seamless           bool                                     `json:"seamless,omitempty" yaml:"seamless,omitempty"`
	ExcludeFromResults bool                                     `json:"exclude_from_results,omitempty" yaml:"exclude_from_results,omitempty"`
	Requests           *int                                     `json:"requests,omitempty" yaml:"requests,omitempty"`
	Duration           *float64                                 `json:"duration,omitempty" yaml:"duration,omitempty"`
	Sessions           *int                                     `json:"sessions,omitempty" yaml:"sessions,omitempty"`
	Concurrency        *int                                     `json:"concurrency,omitempty" yaml:"concurrency,omitempty"`
	PrefillConcurrency *int                                     `json:"prefill_concurrency,omitempty" yaml:"prefill_concurrency,omitempty"`
	Rate               *float64                                 `json:"rate,omitempty" yaml:"rate,omitempty"`
	Users              *int                                     `json:"users,omitempty" yaml:"users,omitempty"`
	Smoothness         *float64                                 `json:"smoothness,omitempty" yaml:"smoothness,omitempty"`
	GracePeriod        *float64                                 `json:"grace_period,omitempty" yaml:"grace_period,omitempty"`
	ConcurrencyRamp    *float64                                 `json:"concurrency_ramp,omitempty" yaml:"concurrency_ramp,omitempty"`
	RateRamp           *float64                                 `json:"rate_ramp,omitempty" yaml:"rate_ramp,omitempty"`
	Cancellation       *Cancellation                            `json:"cancellation,omitempty" yaml:"cancellation,omitempty"`
	AdaptiveScale      *AdaptiveBlock                           `json:"adaptive_scale,omitempty" yaml:"adaptive_scale,omitempty"`
	SLA                map[string]map[string]map[string]float64 `json:"sla,omitempty" yaml:"sla,omitempty"`
}

type Artifacts struct {
	Dir       string     `json:"dir" yaml:"dir"`
	Prefix    string     `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	UserFiles []UserFile `json:"user_files,omitempty" yaml:"user_files,omitempty"` // their variables go to the file's variables
}

type Tokenizer struct {
	Name     string `json:"name" yaml:"name"`
	Revision string `json:"revision,omitempty" yaml:"revision,omitempty"`
}

type Runtime struct {
	UI string `json:"ui,omitempty" yaml:"ui,omitempty"`
}

// Phase types (AIPerf's names).
const (
	PhaseConcurrency   = "concurrency"
	PhaseUserCentric   = "user_centric"
	PhaseFixedSchedule = "fixed_schedule"
)

// Body describes the profile in AIPerf's terms, secrets left out (no API
// key; secret header values redacted; URL passwords hidden).
func (p *Profile) Body() Body {
	r := p.Redacted()
	b := Body{
		Models: Models(append([]string{}, r.Model...)),
		Endpoint: Endpoint{URLs: r.URL, Type: r.EndpointType, Streaming: r.Streaming, Path: r.CustomEndpoint,
			Timeout: r.RequestTimeoutSeconds, ConnectionReuse: r.ConnectionReuse,
			Headers: headerMap(r.Header), Extra: extraMap(r.ExtraInputs),
			UseLegacyMaxTokens: r.UseLegacyMaxTokens, UseServerTokens: r.UseServerTokenCount},
		Datasets:  []Dataset{p.dataset()},
		Artifacts: Artifacts{Dir: r.ArtifactDir, Prefix: r.ExportPrefix},
	}
	if r.UIType != "" {
		b.Runtime = &Runtime{UI: r.UIType}
	}
	if r.Tokenizer != "" {
		b.Tokenizer = &Tokenizer{Name: r.Tokenizer}
		if r.TokenizerRevision != "main" {
			b.Tokenizer.Revision = r.TokenizerRevision
		}
	}
	if p.Warmup() {
		b.Phases = append(b.Phases, p.warmupPhase())
	}
	b.Phases = append(b.Phases, p.profilingPhase())
	p.stagePhases(&b)
	p.warmupDatasetBody(&b)
	if ufs, err := p.UserFileSpecs(); err == nil {
		for _, uf := range ufs {
			uf.Vars = nil // the file's variables section holds them
			b.Artifacts.UserFiles = append(b.Artifacts.UserFiles, uf)
		}
	}
	return b
}

func (p *Profile) dataset() Dataset {
	d := Dataset{Name: "main", Type: "synthetic", Entries: p.NumDatasetEntries, RandomSeed: p.RandomSeed, Sampling: p.SamplingStrategy,
		Prompts:        Prompts{ISL: Dist{float64(p.InputTokensMean), p.InputTokensStddev}},
		Turns:          Dist{p.ConversationTurnMean, p.ConversationTurnStddev},
		TurnDelay:      Dist{p.ConversationDelayMean, p.ConversationDelayStddev},
		TurnDelayRatio: p.ConversationDelayRatio,
	}
	if p.ISLBlockSize != 512 {
		d.Prompts.BlockSize = p.ISLBlockSize
	}
	if p.OutputTokensMean != nil {
		d.Prompts.OSL = &Dist{float64(*p.OutputTokensMean), p.OutputTokensStddev}
	}
	if m := distMapping(p.ISLDistribution); m != nil {
		d.Prompts.ISL = m
	}
	if m := distMapping(p.OSLDistribution); m != nil {
		d.Prompts.OSL = m
	}
	d.Prompts.SequenceDistribution = p.SeqDist
	if p.ImagesOn() {
		d.Images = &Images{Width: Dist{p.ImageWidthMean, p.ImageWidthStddev}, Height: Dist{p.ImageHeightMean, p.ImageHeightStddev},
			BatchSize: p.ImageBatchSize, Format: p.ImageFormat, Source: p.ImageSource, Sampling: p.ImageSourceSampling}
	}
	if p.AudioOn() {
		d.Audio = &Audio{Length: Dist{p.AudioLengthMean, p.AudioLengthStddev}, BatchSize: p.AudioBatchSize, Format: p.AudioFormat,
			Depths: p.AudioDepths, SampleRates: p.AudioSampleRates, NumChannels: p.AudioNumChannels}
	}
	if p.VideosOn() {
		d.Video = &Video{BatchSize: p.VideoBatchSize, Duration: p.VideoDuration, FPS: p.VideoFPS, Width: p.VideoWidth, Height: p.VideoHeight,
			SynthType: p.VideoSynthType, Format: p.VideoFormat, Codec: p.VideoCodec,
			Audio: VideoAudio{p.VideoAudioSampleRate, p.VideoAudioNumChannels, p.VideoAudioCodec, p.VideoAudioDepth}}
	}
	if p.PrefixPoolSize+p.PrefixLength+p.SharedSystemLength+p.UserContextLength > 0 {
		d.PrefixPrompts = &PrefixPrompts{p.PrefixPoolSize, p.PrefixLength, p.SharedSystemLength, p.UserContextLength}
	}
	switch {
	case p.InputRecords != "":
		d.Type, d.Format = "file", p.CustomDatasetType
		for line := range strings.SplitSeq(p.InputRecords, "\n") {
			var v any
			if json.Unmarshal([]byte(line), &v) == nil {
				d.Records = append(d.Records, v)
			}
		}
	case p.PublicName() != "":
		d.Type, d.Dataset, d.Path = "public", p.PublicName(), p.InputFile
	case p.InputFile != "":
		d.Type, d.Path, d.Format = "file", p.InputFile, p.CustomDatasetType
	}
	return d
}

// phaseType is AIPerf's phase type for the load flags.
func (p *Profile) phaseType() string {
	switch {
	case p.FixedSchedule:
		return PhaseFixedSchedule
	case p.UserCentricRate != nil:
		return PhaseUserCentric
	case p.RequestRate != nil:
		return p.ArrivalPattern
	}
	// --session-arrival-rate has no AIPerf phase: it is written in the
	// config file's sonde section.
	return PhaseConcurrency
}

// warmupPhase is the warm-up with its own load: AIPerf's warm-up phase
// (a load not given is the profiling one).
func (p *Profile) warmupPhase() Phase {
	ph := Phase{Name: "warmup", Type: p.phaseType(), ExcludeFromResults: true, Duration: p.WarmupDuration, Sessions: p.WarmupSessions,
		Concurrency: p.Concurrency, PrefillConcurrency: p.PrefillConcurrency, Rate: p.RequestRate, GracePeriod: p.WarmupGracePeriod,
		ConcurrencyRamp: p.WarmupConcurrencyRamp, RateRamp: p.WarmupRequestRateRamp}
	if n := p.WarmupRequestCount; n > 0 {
		ph.Requests = &n
	}
	if p.WarmupConcurrency != nil {
		ph.Concurrency = p.WarmupConcurrency
	}
	if p.WarmupPrefillConcurrency != nil {
		ph.PrefillConcurrency = p.WarmupPrefillConcurrency
	}
	if p.WarmupRequestRate != nil {
		ph.Rate = p.WarmupRequestRate
		if ph.Type == PhaseConcurrency {
			ph.Type = "poisson"
		}
	}
	if p.WarmupArrivalPattern != "" {
		ph.Type = p.WarmupArrivalPattern
	}
	return ph
}

func (p *Profile) profilingPhase() Phase {
	ph := Phase{Name: p.PhaseName, Type: p.phaseType(), Requests: p.RequestCount, Duration: p.BenchmarkDuration,
		Sessions: p.ConversationNum, Concurrency: p.Concurrency, PrefillConcurrency: p.PrefillConcurrency,
		Smoothness: p.ArrivalSmoothness, GracePeriod: p.BenchmarkGracePeriod,
		ConcurrencyRamp: p.ConcurrencyRamp, RateRamp: p.RequestRateRamp}
	switch {
	case p.UserCentricRate != nil:
		ph.Rate, ph.Users = p.UserCentricRate, p.NumUsers
	case p.RequestRate != nil:
		ph.Rate = p.RequestRate
	}
	if ph.Name != "profiling" {
		ph.Kind = "profiling"
	}
	ph.AdaptiveScale, ph.SLA = p.adaptiveBlock()
	if ph.Name == "" {
		ph.Name = "profiling"
	}
	if p.CancellationRate != nil {
		ph.Cancellation = &Cancellation{Rate: *p.CancellationRate}
		if p.CancellationDelay != nil {
			ph.Cancellation.Delay = *p.CancellationDelay
		}
	}
	return ph
}

func headerMap(hs []string) map[string]string {
	if len(hs) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, h := range hs {
		kvs, _ := ParseHeaders(h) // validated before any export
		for _, kv := range kvs {
			m[kv[0]] = kv[1]
		}
	}
	return m
}

// extraMap reads --extra-inputs as an object: JSON objects merged, and
// key:value pairs with JSON values (numbers, booleans, null) or strings.
func extraMap(items []string) map[string]any {
	if len(items) == 0 {
		return nil
	}
	m := map[string]any{}
	for _, item := range items {
		item = strings.TrimSpace(item)
		if strings.HasPrefix(item, "{") {
			json.Unmarshal([]byte(item), &m) // validated before any export
			continue
		}
		k, v, _ := strings.Cut(item, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		var x any
		if json.Unmarshal([]byte(v), &x) != nil || strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[") || strings.HasPrefix(v, `"`) {
			x = v
		}
		m[k] = x
	}
	return m
}
