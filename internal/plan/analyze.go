package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// AnalyzeOptions are `sonde analyze-trace`'s flags.
type AnalyzeOptions struct {
	Path, Type, Tokenizer string
	BlockSize             int
}

// AnalyzeTrace reads a dataset file as a run would, writes what it
// implies for a person to w, and returns it as JSON.
func AnalyzeTrace(w io.Writer, o AnalyzeOptions) ([]byte, error) {
	if o.BlockSize < 1 {
		return nil, UsageError{fmt.Errorf("--block-size must be at least 1, got %d", o.BlockSize)}
	}
	var tok tokenizer.Tokenizer
	var err error
	if o.Tokenizer == tokenizer.BuiltinName {
		tok, err = tokenizer.Builtin()
	} else {
		tok, err = tokenizer.Load(o.Tokenizer)
	}
	if err != nil {
		return nil, UsageError{fmt.Errorf("--tokenizer: %w", err)}
	}
	blockSize := o.BlockSize
	if o.Type == "bailian_trace" && blockSize == 512 {
		blockSize = 16 // as profile reads it: Bailian's hash ids cover 16 tokens
	}
	convs, err := dataset.LoadFile(dataset.FileOptions{Path: o.Path, Type: o.Type, BlockSize: blockSize, Entries: 100, Seed: 42, Tok: tok})
	if err != nil {
		return nil, UsageError{err}
	}
	a := dataset.Analyze(convs, tok, o.BlockSize)
	printAnalysis(w, o.Path, &a)
	b, err := json.MarshalIndent(a, "", "  ")
	return append(b, '\n'), err
}

// printAnalysis writes the report a person reads.
func printAnalysis(w io.Writer, path string, a *dataset.Analysis) {
	fmt.Fprintf(w, "Trace analysis: %s\n%s\n", path, strings.Repeat("=", 60))
	fmt.Fprintf(w, "Sessions:            %d (%d sub-agent)\n", a.Sessions, a.SubAgentSessions)
	fmt.Fprintf(w, "Requests:            %d\n", a.Requests)
	row := func(name string, s dataset.Stats) {
		fmt.Fprintf(w, "%-20s min %.0f  mean %.1f  p50 %.0f  p90 %.0f  p99 %.0f  max %.0f\n", name, s.Min, s.Mean, s.P50, s.P90, s.P99, s.Max)
	}
	row("Turns per session:", a.TurnsPerSession)
	row("ISL (tokens):", a.ISL)
	row("OSL asked (tokens):", a.OSL)
	if a.ContextGrowth > 0 {
		fmt.Fprintf(w, "Context growth:      %.2f× (last turn's ISL ÷ first, mean over sessions)\n", a.ContextGrowth)
	}
	if a.ToolResults > 0 {
		fmt.Fprintf(w, "Tool results:        %d\n", a.ToolResults)
	}
	if a.DurationS > 0 {
		fmt.Fprintf(w, "Duration:            %.1f s: %.3g requests/s, %.3g sessions/s\n", a.DurationS, a.RequestRate, a.SessionRate)
	}
	fmt.Fprintf(w, "Cache hit rate:      %.1f%% of full %d-token blocks (an unbounded prefix cache)\n", 100*a.CacheHitRate, a.BlockSize)
	fmt.Fprintf(w, "Prefix reuse:        %.1f%% of requests start with a block sent before; %d distinct first blocks\n", 100*a.PrefixReuseRatio, a.UniqueFirstBlocks)
}
