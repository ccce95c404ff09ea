package sim

import "github.com/sonde-bench/sonde/internal/tokenizer"

// New builds the engine the options name.
func New(o Options, tok tokenizer.Tokenizer) (Engine, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Engine == "fixed" {
		return NewFixed(o.TTFT, o.ITL, o.Seed, o.Output, tok)
	}
	return NewBatch(o.Batch, o.Seed, o.Output, tok)
}
