package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Options configure a simulated server.
type Options struct {
	TTFT       time.Duration
	ITL        time.Duration
	Seed       uint64
	Model      string // the name /v1/models reports; any name is accepted
	Tokenizer  string // "builtin" or a tokenizer.json path
	RecordPath string // when set, every request is appended to this JSONL file
}

// DefaultOptions match AIPerf's mock server: TTFT 20 ms, ITL 5 ms.
func DefaultOptions() Options {
	return Options{TTFT: 20 * time.Millisecond, ITL: 5 * time.Millisecond, Seed: 0, Model: "sonde-sim", Tokenizer: "builtin"}
}

// ParseURL reads options from a sim:// URL such as sim://?ttft=50ms&itl=5ms.
func ParseURL(raw string) (Options, error) {
	o := DefaultOptions()
	u, err := url.Parse(raw)
	if err != nil {
		return o, fmt.Errorf("--url %s: %w", raw, err)
	}
	for key, vals := range u.Query() {
		v := vals[len(vals)-1]
		var err error
		switch key {
		case "ttft":
			o.TTFT, err = parseDuration(v)
		case "itl":
			o.ITL, err = parseDuration(v)
		case "seed":
			o.Seed, err = strconv.ParseUint(v, 10, 64)
		case "model":
			o.Model = v
		case "tokenizer":
			o.Tokenizer = v
		case "record":
			o.RecordPath = v
		default:
			return o, fmt.Errorf("--url %s: unknown simulator option %q (known: ttft, itl, seed, model, tokenizer, record)", raw, key)
		}
		if err != nil {
			return o, fmt.Errorf("--url %s: option %s=%q: %w", raw, key, v, err)
		}
	}
	return o, nil
}

// parseDuration accepts Go durations ("50ms") and bare numbers in ms.
func parseDuration(v string) (time.Duration, error) {
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
