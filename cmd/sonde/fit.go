package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/profile"
	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/twin"
)

// fitCmd is `sonde fit`: a twin of a server from runs against it.
type fitCmd struct {
	Runs    []string `arg:"" placeholder:"RUN_DIR" help:"Run folders of streamed runs against one server (for example concurrency 1, 2 and 4)."`
	Output  string   `short:"o" default:"twin.yaml" placeholder:"FILE" help:"Where to write the twin."`
	Holdout []string `placeholder:"RUN_DIR" help:"Run folders to predict and not fit: the twin's error on loads it never saw. A run whose command resolves is predicted from its load alone, as sonde predict would; else replayed at its send times."`
	Prefix  string   `name:"profile-export-prefix" help:"The runs' --profile-export-prefix."`
	Server  string   `help:"What the runs measured, for the twin's record (default: the first run's folder)."`
	Evals   int      `default:"1500" help:"Simulations the refinement may run (it stops sooner once converged)."`

	MaxNumSeqs          int  `default:"256" help:"The server's batch limit (vLLM --max-num-seqs, llama.cpp -np). Unless given, read from the runs' scrapes of the server's /metrics when one of them queued; runs that never queued cannot show it."`
	MaxNumBatchedTokens int  `default:"8192" help:"Tokens per step (vLLM --max-num-batched-tokens, llama.cpp -b)."`
	BlockSize           int  `default:"16" help:"KV block size in tokens (the prefix cache's granularity)."`
	KVCacheTokens       int  `default:"500000" help:"KV cache capacity in tokens, the prefix cache included (vLLM: its KV blocks × block size). A llama.cpp server keeps histories in its host-memory prompt cache (--cache-ram) beyond -c: keep the default."`
	PrefixCaching       bool `default:"true" negatable:"" help:"The server reuses cached prompt prefixes."`
	SlotCache           bool `help:"Its prefix cache is llama.cpp's: one cached prompt per slot (--max-num-seqs of them), not vLLM's shared blocks."`
	RerenderedAnswers   bool `help:"Its chat template renders earlier answers anew (a reasoning model's thinking dropped): a cache serves a later turn only up to the last user message."`
}

func (c *fitCmd) Run(e env, given map[string]bool) error {
	if c.MaxNumSeqs < 1 || c.MaxNumBatchedTokens < 1 || c.BlockSize < 1 || c.KVCacheTokens < c.BlockSize {
		return usageError{Err: errors.New("sonde fit: --max-num-seqs, --max-num-batched-tokens and --block-size must be at least 1, --kv-cache-tokens at least a block")}
	}
	var runs []*twin.Measured
	for _, dir := range c.Runs {
		m, err := twin.ReadRun(dir, c.Prefix)
		if err != nil {
			return usageError{Err: fmt.Errorf("sonde fit: %w", err)}
		}
		runs = append(runs, m)
	}
	server := c.Server
	if server == "" {
		server = c.Runs[0]
	}
	var notes []string
	if n, ok := twin.BatchLimit(c.Runs, c.Prefix); ok && !given["max-num-seqs"] { // never a held-out run's: that would leak it
		c.MaxNumSeqs = n
		notes = append(notes, fmt.Sprintf("max_num_seqs %d: the server's /metrics showed requests waiting while it ran %d", n, n))
	}
	t, err := twin.Fit(runs, twin.FitOptions{Server: server, Evals: c.Evals, Engine: sim.TwinEngine{MaxNumSeqs: c.MaxNumSeqs,
		MaxNumBatchedTokens: c.MaxNumBatchedTokens, BlockSize: c.BlockSize, KVCacheTokens: c.KVCacheTokens, PrefixCaching: c.PrefixCaching, SlotCache: c.SlotCache,
		RerenderedAnswers: c.RerenderedAnswers}})
	if err != nil {
		return err
	}
	t.Notes = append(notes, t.Notes...)
	for _, m := range runs {
		t.Fit = append(t.Fit, twin.Check(t, m, nil, false, 0)...)
	}
	for _, dir := range c.Holdout {
		m, err := twin.ReadRun(dir, c.Prefix)
		if err != nil {
			return usageError{Err: fmt.Errorf("sonde fit --holdout: %w", err)}
		}
		loads, seed, err := holdoutLoads(e, m.Command)
		if err != nil {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: replayed at its send times (its command does not resolve here: %v)", dir, err))
		}
		t.Fit = append(t.Fit, twin.Check(t, m, loads, true, seed)...)
	}
	if err := t.Save(c.Output); err != nil {
		return fmt.Errorf("sonde fit: %w", err)
	}
	writeTwin(e.Stdout, t, c.Output)
	return nil
}

// holdoutLoads resolves a run's recorded command line (its summary's
// cli_command) into the workloads sonde predict would simulate.
func holdoutLoads(e env, command string) ([]*twin.Workload, uint64, error) {
	args := shellSplit(command)
	if len(args) < 2 || args[1] != "profile" {
		return nil, 0, fmt.Errorf("cli_command %q is not a sonde profile command", command)
	}
	pe := e
	pe.Args = config.OptionalValues(args[1:])
	pe.Stdout, pe.Stderr = io.Discard, io.Discard
	var cl cli
	ctx, code := parse(pe, &cl, nil)
	if code >= 0 {
		return nil, 0, fmt.Errorf("cli_command %q does not parse", command)
	}
	p := &cl.Profile
	p.MarkGiven(givenFlags(ctx))
	for i := range p.URL {
		p.URL[i] = "127.0.0.1:9" // never contacted
	}
	return profile.PredictLoads(pe, p)
}

// shellSplit undoes config.RedactArgs's quoting: words split at spaces,
// single quotes keeping theirs ('\” a quote).
func shellSplit(s string) []string {
	var out []string
	var cur strings.Builder
	in, has := false, false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\'':
			in, has = !in, true
		case ch == '\\' && !in && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case ch == ' ' && !in:
			if has || cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
			has = false
		default:
			cur.WriteByte(ch)
		}
	}
	if has || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// writeTwin prints the fitted costs and how well they reproduce each run.
func writeTwin(w io.Writer, t *sim.Twin, path string) {
	c, s := t.Costs, t.StdErr
	fmt.Fprintf(w, "Twin of %s written to %s\n", t.Server, path)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "cost\tfitted\tstd err")
	for _, r := range [][3]any{{"step base (µs)", c.StepBaseUs, s.StepBaseUs}, {"per prefill token (µs)", c.PrefillTokenUs, s.PrefillTokenUs},
		{"per decoding sequence (µs)", c.DecodeSeqUs, s.DecodeSeqUs}, {"per 1,000 context tokens (µs)", c.KContextUs, s.KContextUs},
		{"prefill, per 1M attention pairs (µs)", c.MPairsUs, s.MPairsUs}, {"per request admitted (µs)", c.NewSeqUs, s.NewSeqUs},
		{"request overhead (µs)", c.OverheadUs, s.OverheadUs}, {"overhead jitter, mean (µs)", c.JitterUs, s.JitterUs}} {
		fmt.Fprintf(tw, "%s\t%.4g\t%.2g\n", r[0], r[1], r[2])
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tmetric\tmeasured\ttwin\terror %")
	for _, f := range t.Fit {
		run := f.Run
		if f.Holdout {
			run += " (held out)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4g\t%.4g\t%+.1f\n", run, f.Metric, f.Measured, f.Predicted, f.ErrorPct)
	}
	tw.Flush()
	for _, n := range t.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}
