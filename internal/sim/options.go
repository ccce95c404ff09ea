package sim

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Options configure a simulated server: the engine, its outputs, its faults
// and its HTTP behaviour. The same keys work as `sonde serve` flags and as
// query parameters of a sim:// URL.
type Options struct {
	Engine      string // "batch" (vLLM-like, the default) or "fixed"
	TTFT        time.Duration
	ITL         time.Duration
	Batch       BatchConfig
	Output      OutputOptions
	Faults      Faults
	MaxModelLen int
	Seed        uint64
	Model       string // the name /v1/models reports; any name is accepted
	Tokenizer   string // "builtin" or a tokenizer.json path
	APIKey      string // when set, /v1 requests need "Authorization: Bearer <key>"
	RecordPath  string // when set, every request is appended to this JSONL file
	// GPUs, when > 0, serves a DCGM-exporter-like /dcgm/metrics for that
	// many simulated GPUs whose power and utilization follow the load.
	GPUs int
	// DCGMPort, when > 0 (with GPUs), also serves the GPU metrics at
	// /metrics on this port of the same host, as a DCGM exporter does.
	DCGMPort int
	// TracesEndpoint, when set, is where a span of every finished
	// generation goes over OTLP, as vLLM's --otlp-traces-endpoint.
	TracesEndpoint string
}

// DefaultOptions: the batching engine with vLLM-like defaults; AIPerf's mock
// server timing (TTFT 20 ms, ITL 5 ms) for the fixed engine.
func DefaultOptions() Options {
	return Options{Engine: "batch", TTFT: 20 * time.Millisecond, ITL: 5 * time.Millisecond, Batch: DefaultBatchConfig(),
		MaxModelLen: 40960, Model: "sonde-sim", Tokenizer: "builtin", Faults: Faults{Codes: []int{500, 429, 503}},
		Output: OutputOptions{ToolCallRate: 50, AnswerAccuracy: 100}}
}

// Validate checks the options together.
func (o *Options) Validate() error {
	st := o.Batch.Step
	if o.TTFT < 0 || o.ITL < 0 || st.Base < 0 || st.PerPrefillToken < 0 || st.PerDecodeSeq < 0 || st.PerKContext < 0 || st.PerMPairs < 0 || st.PerNewSeq < 0 {
		return fmt.Errorf("ttft, itl and the step costs must not be negative")
	}
	switch o.Engine {
	case "batch":
		b := o.Batch
		if b.MaxNumSeqs < 1 || b.MaxNumBatchedTokens < 1 || b.BlockSize < 1 {
			return fmt.Errorf("max-num-seqs, max-num-batched-tokens and block-size must be at least 1")
		}
		if b.KVCacheTokens < o.MaxModelLen {
			return fmt.Errorf("kv-cache-tokens (%d) must hold at least one max-model-len (%d) sequence", b.KVCacheTokens, o.MaxModelLen)
		}
	case "fixed":
	default:
		return fmt.Errorf("engine %q is not batch or fixed", o.Engine)
	}
	return o.Faults.Validate()
}

// setter applies one option from its text form.
type setter func(o *Options, v string) error

func durationOpt(f func(*Options) *time.Duration) setter {
	return func(o *Options, v string) (err error) { *f(o), err = ParseDuration(v); return }
}

func intOpt(f func(*Options) *int) setter {
	return func(o *Options, v string) error {
		n, err := strconv.Atoi(v)
		if err == nil && n < 0 {
			err = fmt.Errorf("must not be negative")
		}
		*f(o) = n
		return err
	}
}

func percentOpt(f func(*Options) *float64) setter {
	return func(o *Options, v string) error {
		x, err := strconv.ParseFloat(v, 64)
		if err == nil && (x < 0 || x > 100) {
			err = fmt.Errorf("must be a percentage from 0 to 100")
		}
		*f(o) = x
		return err
	}
}

// setters are the option keys of sim:// URLs (and their serve flags).
var setters = map[string]setter{
	"engine": func(o *Options, v string) error { o.Engine = v; return nil },
	"ttft": func(o *Options, v string) (err error) {
		o.Engine = "fixed"
		o.TTFT, err = ParseDuration(v)
		return
	},
	"itl": func(o *Options, v string) (err error) {
		o.Engine = "fixed"
		o.ITL, err = ParseDuration(v)
		return
	},
	"max-num-seqs":           intOpt(func(o *Options) *int { return &o.Batch.MaxNumSeqs }),
	"max-num-batched-tokens": intOpt(func(o *Options) *int { return &o.Batch.MaxNumBatchedTokens }),
	"block-size":             intOpt(func(o *Options) *int { return &o.Batch.BlockSize }),
	"kv-cache-tokens":        intOpt(func(o *Options) *int { return &o.Batch.KVCacheTokens }),
	"max-model-len":          intOpt(func(o *Options) *int { return &o.MaxModelLen }),
	"gpus":                   intOpt(func(o *Options) *int { return &o.GPUs }),
	"dcgm-port":              intOpt(func(o *Options) *int { return &o.DCGMPort }),
	"slot-cache": func(o *Options, v string) (err error) {
		o.Batch.SlotCache, err = strconv.ParseBool(v)
		return
	},
	"prefix-caching": func(o *Options, v string) (err error) {
		o.Batch.PrefixCaching, err = strconv.ParseBool(v)
		return
	},
	"step-base":          durationOpt(func(o *Options) *time.Duration { return &o.Batch.Step.Base }),
	"step-prefill-token": durationOpt(func(o *Options) *time.Duration { return &o.Batch.Step.PerPrefillToken }),
	"step-decode-seq":    durationOpt(func(o *Options) *time.Duration { return &o.Batch.Step.PerDecodeSeq }),
	"step-kcontext":      durationOpt(func(o *Options) *time.Duration { return &o.Batch.Step.PerKContext }),
	"step-mpairs":        durationOpt(func(o *Options) *time.Duration { return &o.Batch.Step.PerMPairs }),
	"step-new-seq":       durationOpt(func(o *Options) *time.Duration { return &o.Batch.Step.PerNewSeq }),
	"request-overhead":   durationOpt(func(o *Options) *time.Duration { return &o.Batch.Overhead }),
	"twin":               applyTwin,
	"natural-length":     intOpt(func(o *Options) *int { return &o.Output.NaturalLength }),
	"reasoning-tokens":   intOpt(func(o *Options) *int { return &o.Output.ReasoningTokens }),
	"tool-call-rate":     percentOpt(func(o *Options) *float64 { return &o.Output.ToolCallRate }),
	"answer-accuracy":    percentOpt(func(o *Options) *float64 { return &o.Output.AnswerAccuracy }),
	"answer-key":         func(o *Options, v string) error { o.Output.AnswerKey = v; return nil },
	"error-rate":         percentOpt(func(o *Options) *float64 { return &o.Faults.ErrorRate }),
	"error-codes": func(o *Options, v string) error {
		o.Faults.Codes = nil
		for _, c := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(c))
			if err != nil || n < 400 || n > 599 {
				return fmt.Errorf("%q is not an HTTP error status", c)
			}
			o.Faults.Codes = append(o.Faults.Codes, n)
		}
		return nil
	},
	"disconnect-rate": percentOpt(func(o *Options) *float64 { return &o.Faults.DisconnectRate }),
	"malformed-rate":  percentOpt(func(o *Options) *float64 { return &o.Faults.MalformedRate }),
	"stall-rate":      percentOpt(func(o *Options) *float64 { return &o.Faults.StallRate }),
	"stall":           durationOpt(func(o *Options) *time.Duration { return &o.Faults.Stall }),
	"ready-delay":     durationOpt(func(o *Options) *time.Duration { return &o.Faults.ReadyDelay }),
	"seed": func(o *Options, v string) (err error) {
		o.Seed, err = strconv.ParseUint(v, 10, 64)
		return
	},
	"model":                func(o *Options, v string) error { o.Model = v; return nil },
	"tokenizer":            func(o *Options, v string) error { o.Tokenizer = v; return nil },
	"api-key":              func(o *Options, v string) error { o.APIKey = v; return nil },
	"record-requests":      func(o *Options, v string) error { o.RecordPath = v; return nil },
	"otlp-traces-endpoint": func(o *Options, v string) error { o.TracesEndpoint = v; return nil },
	"record":               func(o *Options, v string) error { o.RecordPath = v; return nil }, // the older key
}

// Keys are the option names, as sim:// query keys and `sonde serve` flags.
func Keys() []string {
	keys := make([]string, 0, len(setters))
	for k := range setters {
		if k != "record" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Defaults are the default options in their text form by key: the one
// source of the defaults that `sonde serve --help` shows.
func Defaults() map[string]string {
	o := DefaultOptions()
	b, s := o.Batch, o.Batch.Step
	codes := make([]string, len(o.Faults.Codes))
	for i, c := range o.Faults.Codes {
		codes[i] = strconv.Itoa(c)
	}
	return map[string]string{
		"engine": o.Engine, "ttft": o.TTFT.String(), "itl": o.ITL.String(),
		"max-num-seqs": strconv.Itoa(b.MaxNumSeqs), "max-num-batched-tokens": strconv.Itoa(b.MaxNumBatchedTokens),
		"block-size": strconv.Itoa(b.BlockSize), "kv-cache-tokens": strconv.Itoa(b.KVCacheTokens),
		"max-model-len": strconv.Itoa(o.MaxModelLen), "prefix-caching": strconv.FormatBool(b.PrefixCaching),
		"step-base": s.Base.String(), "step-prefill-token": s.PerPrefillToken.String(),
		"step-decode-seq": s.PerDecodeSeq.String(), "step-kcontext": s.PerKContext.String(),
		"request-overhead": b.Overhead.String(), "step-mpairs": s.PerMPairs.String(), "slot-cache": strconv.FormatBool(b.SlotCache), "step-new-seq": s.PerNewSeq.String(), "twin": "",
		"natural-length": strconv.Itoa(o.Output.NaturalLength), "reasoning-tokens": strconv.Itoa(o.Output.ReasoningTokens),
		"tool-call-rate":  strconv.FormatFloat(o.Output.ToolCallRate, 'g', -1, 64),
		"answer-accuracy": strconv.FormatFloat(o.Output.AnswerAccuracy, 'g', -1, 64), "answer-key": o.Output.AnswerKey,
		"error-rate": "0", "error-codes": strings.Join(codes, ","), "disconnect-rate": "0", "malformed-rate": "0",
		"stall-rate": "0", "stall": o.Faults.Stall.String(), "ready-delay": o.Faults.ReadyDelay.String(),
		"seed": strconv.FormatUint(o.Seed, 10), "model": o.Model, "tokenizer": o.Tokenizer, "api-key": o.APIKey,
		"record-requests": o.RecordPath, "gpus": strconv.Itoa(o.GPUs), "dcgm-port": strconv.Itoa(o.DCGMPort),
		"otlp-traces-endpoint": o.TracesEndpoint,
	}
}

// Set applies one option by key.
func (o *Options) Set(key, value string) error {
	f, ok := setters[key]
	if !ok {
		keys := make([]string, 0, len(setters))
		for k := range setters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fmt.Errorf("unknown simulator option %q (known: %s)", key, strings.Join(keys, ", "))
	}
	if err := f(o, value); err != nil {
		return fmt.Errorf("option %s=%q: %w", key, value, err)
	}
	return nil
}

// ParseURL reads options from a sim:// URL such as sim://?ttft=50ms&itl=5ms.
func ParseURL(raw string) (Options, error) {
	o := DefaultOptions()
	u, err := url.Parse(raw)
	if err != nil {
		return o, fmt.Errorf("--url %s: %w", raw, err)
	}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// A twin sets the whole engine: the other keys refine it.
	if i := slices.Index(keys, "twin"); i > 0 {
		keys = append([]string{"twin"}, slices.Delete(keys, i, i+1)...)
	}
	for _, key := range keys {
		vals := q[key]
		if err := o.Set(key, vals[len(vals)-1]); err != nil {
			return o, fmt.Errorf("--url %s: %w", raw, err)
		}
	}
	if err := o.Validate(); err != nil {
		return o, fmt.Errorf("--url %s: %w", raw, err)
	}
	return o, nil
}

// ParseDuration accepts Go durations ("50ms") and bare numbers in ms.
func ParseDuration(v string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 {
			return 0, fmt.Errorf("must not be negative")
		}
		return time.Duration(f * float64(time.Millisecond)), nil
	}
	d, err := time.ParseDuration(v)
	if err == nil && d < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return d, err
}

// Describe says in one line which engine runs, and how.
func (o Options) Describe() string {
	if o.Engine == "fixed" {
		return fmt.Sprintf("fixed engine: ttft %v, itl %v", o.TTFT, o.ITL)
	}
	b := o.Batch
	return fmt.Sprintf("batch engine: max-num-seqs %d, max-num-batched-tokens %d, kv-cache-tokens %d, prefix caching %v",
		b.MaxNumSeqs, b.MaxNumBatchedTokens, b.KVCacheTokens, b.PrefixCaching)
}
