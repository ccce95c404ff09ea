package main

import (
	"fmt"
	"os"

	"github.com/sonde-bench/sonde/internal/plan"
)

// analyzeCmd is `sonde analyze-trace` (AIPerf's command of that name, for
// any dataset format): what a file implies for a server — sessions,
// requests, the lengths they send, its arrival rate and how much of it an
// unbounded prefix cache serves — before anything is sent.
type analyzeCmd struct {
	InputFile  string `name:"input-file" required:"" placeholder:"PATH" help:"The trace or dataset file (a folder for random_pool or raw_payload)."`
	Type       string `name:"custom-dataset-type" default:"mooncake_trace" help:"Its format: any --custom-dataset-type of 'sonde profile' (mooncake_trace, bailian_trace, baseten_trace, dag_jsonl, multi_turn…)."`
	BlockSize  int    `name:"block-size" default:"512" help:"Tokens per cache block (and per hash id of a mooncake trace)."`
	Tokenizer  string `name:"tokenizer" default:"builtin" help:"builtin, or a tokenizer.json file: how prompts are counted."`
	OutputFile string `name:"output-file" placeholder:"FILE" help:"Also write the analysis as JSON here."`
}

func (c *analyzeCmd) Run(e env) error {
	b, err := plan.AnalyzeTrace(e.Stdout, plan.AnalyzeOptions{Path: c.InputFile, Type: c.Type, Tokenizer: c.Tokenizer, BlockSize: c.BlockSize})
	if err != nil {
		return fmt.Errorf("sonde analyze-trace: %w", err)
	}
	if c.OutputFile != "" {
		if err := os.WriteFile(c.OutputFile, b, 0o644); err != nil {
			return fmt.Errorf("sonde analyze-trace: --output-file: %w", err)
		}
	}
	return nil
}
