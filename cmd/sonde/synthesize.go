package main

import (
	"fmt"
	"time"

	"github.com/sonde-bench/sonde/internal/plan"
)

// synthesizeCmd is `sonde synthesize`: datasets made from a seed.
type synthesizeCmd struct {
	AgenticCode agenticCodeCmd `cmd:"" name:"agentic-code" help:"Coding-agent sessions with shared prompt layers, repository context and cache-aware turn growth, as a mooncake trace (AIPerf's generator)."`
}

type agenticCodeCmd struct {
	Sessions int    `name:"num-sessions" default:"1000" help:"Sessions to make."`
	Output   string `name:"output" default:"." placeholder:"DIR" help:"Where the run's folder is made."`
	Config   string `name:"config" default:"default" placeholder:"FILE" help:"default, a config JSON (AIPerf's keys) or an earlier run's manifest.json."`
	Seed     uint64 `name:"seed" default:"42" help:"Seed: the same seed and config make the same dataset."`
	MaxISL   int    `name:"max-isl" help:"Overrides max_prompt_tokens (the context a session may reach)."`
	MaxOSL   int    `name:"max-osl" help:"Caps output lengths."`
}

func (c *agenticCodeCmd) Run(e env) error {
	dir, block, err := plan.SynthesizeAgentic(plan.SynthesizeOptions{Sessions: c.Sessions, Output: c.Output, Config: c.Config, Seed: c.Seed,
		MaxISL: c.MaxISL, MaxOSL: c.MaxOSL, Now: time.Now()})
	if err != nil {
		return fmt.Errorf("sonde synthesize agentic-code: %w", err)
	}
	fmt.Fprintf(e.Stdout, "%s/dataset.jsonl\nreplay: sonde profile --input-file %s/dataset.jsonl --custom-dataset-type mooncake_trace --isl-block-size %d ...\n", dir, dir, block)
	return nil
}
