// Package plan resolves a run's flags and dataset into what it will do,
// before anything is sent or any folder made: a Plan, read through its
// methods and never changed after.
package plan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/sonde-bench/sonde/internal/adapt"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/sim/httpapi"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/servertrace"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// Plan is what a run will do, resolved once — from the flags, then from the
// dataset — before anything is sent, and not changed after: the load shape
// and budgets, the seed, the URLs (sim:// servers started), the tokenizer,
// the conversations and the order sessions take them in, the trace window,
// the context mode, the request bodies' codec, the goodput SLOs, the chat
// template, this shard's part, where the files go, and the engine's
// configuration of each phase. profile.Run executes it; a study varies its
// load (WithLoad) without loading the tokenizer or the dataset again. Its
// fields are read through methods: nothing changes a Plan once resolved.
type Plan struct {
	load
	p       *config.Profile // the flags, validated; never changed after Resolve
	seed    uint64
	urls    []string
	convs   []dataset.Conversation
	sampler *dataset.Planned
	fixed   fixedSchedule
	// contextMode is --conversation-context-mode, or a pre-canned one for
	// --replay-outputs.
	contextMode string
	expected    int64 // requests the profiling phase will send; 0 if unknown
	codec       *endpoint.Codec
	slos        []metrics.SLO
	shard       shard
	files       export.Files
	tok         *tokenizer.Resolution
	template    *tokenizer.ChatTemplate // --apply-chat-template; nil without
	// base is the engine's configuration every phase starts from; warmups
	// the warm-up phases before profiling; lanes an agentic replay's
	// trajectories, which profiling resumes.
	base    engine.Config
	warmups []Warmup
	lanes   *engine.Lanes
	// stages are the profiling phases after the run's own (--phase).
	stages []Stage
	// adaptive and control are adaptive scale's (--adaptive-scale).
	adaptive *adapt.Settings
	control  *engine.Control

	sims         []*httpapi.Running
	simInProcess bool
	stopSims     func() // shuts down sim:// servers and waits for them
	// traces receives the server's spans (--collect-server-traces) from
	// the start, so that sim:// servers know where to send theirs, until
	// Close: a study's probes share it.
	traces      *servertrace.Receiver
	closeTraces func() // the owner's only
	// ownRecords: this plan wrote p.RecordsFile (--input-records) and
	// removes it when it closes; a probe reads its parent's.
	ownRecords bool
	// notes are what resolving said (a simulator started, the tokenizer
	// used, warnings), told in the run's log once it is open.
	notes *notes
}

// Resolve validates the flags and resolves everything a run needs before
// it sends anything; bad input is a UsageError. The plan's sim:// servers
// run until Close.
func Resolve(e Env, p *config.Profile) (pl *Plan, err error) {
	e = e.withDefaults()
	if err := prepareFlags(e, p); err != nil {
		return nil, err
	}
	pl = &Plan{p: p, notes: &notes{}, ownRecords: true}
	for _, n := range acceptedOnly(p) {
		pl.notes.info(n)
	}
	pl.notes.scenario(p.ScenarioOutcome)
	if p.UnsafeOverride && p.Scenario == "" {
		pl.notes.warn("--unsafe-override does nothing without --scenario (AIPerf's rule: it is accepted, and ignored).")
	}
	self := pl // a failing return sets pl to nil before this runs
	defer func() {
		if err != nil {
			self.Close()
		}
	}()
	warnings, err := pl.resolveEndpoint()
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		pl.notes.warn(w)
	}
	if err := pl.resolveLoad(e); err != nil {
		return nil, err
	}
	if err := pl.resolveWorkload(e); err != nil {
		return nil, err
	}
	pl.setFiles()
	if err := checkPayloads(pl.codec, pl.convs); err != nil {
		return nil, err
	}
	if err := pl.chatTemplate(); err != nil {
		return nil, err
	}
	if err := pl.phases(e); err != nil {
		return nil, err
	}
	if err := pl.resolveAdaptive(); err != nil {
		return nil, err
	}
	return pl, pl.resolveStages(e)
}

// resolveEndpoint makes the request bodies' codec and the goodput SLOs;
// the warnings are about flags the endpoint type ignores.
func (pl *Plan) resolveEndpoint() ([]string, error) {
	extra, err := parseExtra(pl.p)
	if err != nil {
		return nil, err
	}
	codec, warnings, err := endpointCodec(pl.p, extra)
	if err != nil {
		return nil, err
	}
	pl.codec = codec
	if pl.slos, err = metrics.ParseGoodput(pl.p.Goodput, pl.p.Streaming); err != nil {
		return nil, UsageError{err}
	}
	return warnings, nil
}

// prepareFlags completes the flags from the environment and checks them.
func prepareFlags(e Env, p *config.Profile) error {
	if p.ResolveLists() {
		return UsageError{errors.New("a sweep (a list of values, --isl-osl-pairs) runs as a study, not as one run")}
	}
	if p.CLICommand == "" {
		p.CLICommand = e.Secrets.Redact(config.RedactArgs(e.Args))
	}
	if p.APIKey == "" {
		p.APIKey = e.Getenv("SONDE_API_KEY") // from a Kubernetes Secret, never on the command line
	}
	if usesBuiltinTokenizer(p) {
		tokenizer.PreloadBuiltin() // beside the rest of the set-up, off the path to the first request
	}
	p.ArtifactDir, p.InputFile, p.ReplayOutputs = e.under(p.ArtifactDir), e.under(p.InputFile), e.under(p.ReplayOutputs)
	wrote, err := writeRecords(p)
	if err != nil {
		return err
	}
	if errs := p.Validate(); len(errs) > 0 {
		if wrote { // no plan will own it
			os.RemoveAll(filepath.Dir(p.RecordsFile))
		}
		return UsageError{config.Join(errs)}
	}
	return nil
}

// resolveLoad derives the load shape and this shard's part of it.
func (pl *Plan) resolveLoad(e Env) error {
	p := pl.p
	sh, err := shardOf(e, p)
	if err == nil {
		var at time.Time
		if at, err = StartAt(p.StartAt); err == nil {
			if ahead := at.Sub(e.Now()); ahead > maxStartWait {
				err = fmt.Errorf("--start-at %s is %s ahead: at most %s (a run that waits longer is a typo; schedule it with cron or a Job instead)",
					p.StartAt, ahead.Round(time.Second), maxStartWait)
			}
		}
	}
	if err != nil {
		return UsageError{err}
	}
	pl.shard, pl.load = sh, planOf(p)
	if err := pl.load.applyShard(sh); err != nil {
		return UsageError{err}
	}
	return checkOpenFiles(p, pl.load, clock.OpenFileLimit())
}

// setFiles says where the run's files go, once the load and the workload
// are known (a timestamped trace's folder is named for its fixed schedule,
// which only the file tells).
func (pl *Plan) setFiles() {
	pl.files = export.Files{Dir: shardDir(artifactDir(pl.p, planOf(pl.p)), pl.shard), Prefix: pl.p.ExportPrefix}
}

// resolveWorkload resolves the URLs (starting sim:// servers), the
// tokenizer, the seed, the conversations and what the run will send of them.
func (pl *Plan) resolveWorkload(e Env) error {
	p := pl.p
	path := p.CustomEndpoint
	if path == "" {
		path = endpoint.Type(p.EndpointType).DefaultPath()
		if p.Streaming {
			path = endpoint.Type(p.EndpointType).StreamPath()
		}
	}
	at := p
	if p.SageMakerEndpoint != "" {
		q := *p
		var base string
		base, path = p.SageMakerURL()
		q.URL, at = []string{base}, &q
	}
	traces := ""
	if p.CollectServerTraces != "" {
		ln, err := net.Listen("tcp", p.CollectServerTraces)
		if err != nil {
			return UsageError{fmt.Errorf("--collect-server-traces: %w", err)}
		}
		pl.traces, traces = servertrace.NewReceiver(ln), "grpc://"+ln.Addr().String()
		pl.closeTraces = func() { pl.traces.Close() }
	}
	urls, sims, stopSims, err := endpointURLs(context.Background(), at, path, traces, pl.notes.infof)
	if err != nil {
		return err
	}
	pl.urls, pl.sims, pl.stopSims, pl.simInProcess = urls, sims, stopSims, len(sims) > 0
	if err := pl.resolveTokenizer(e); err != nil {
		return err
	}
	pl.seed = randomSeed(p)
	pl.contextMode = p.ContextMode
	if p.ReplayOutputs != "" {
		pl.contextMode = config.ContextDeltasCanned
	}
	log := pl.notes.logger()
	began := time.Now()
	lp, err := pl.fetchInput(e)
	if err != nil {
		return err
	}
	if pl.convs, pl.fixed, err = loadConversations(lp, pl.seed, pl.contextMode, pl.tok.Tokenizer, log); err != nil {
		return err
	}
	prepared := time.Since(began)
	if pl.fixed.stream == nil { // a streamed trace's requests are busted as they are read
		cacheBust(p, pl.convs, pl.tok.Tokenizer)
	}
	// A timestamped trace is replayed on its schedule: the run's
	// description (input_config) says so, as --fixed-schedule would.
	p.FixedSchedule = pl.fixed.on
	if line := outputLength(p, pl.convs); line != "" {
		pl.notes.info(line)
	}
	for _, line := range mediaMade(p, pl.convs, prepared) {
		pl.notes.info(line)
	}
	if p.ReplayOutputs != "" {
		if err := replayAnswers(p.ReplayOutputs, pl.convs, pl.tok.Tokenizer, log); err != nil {
			return UsageError{err}
		}
	}
	pl.order()
	return nil
}

// order is what the profiling phase sends of the conversations: the
// sampler's order, the budgets, and the requests expected.
func (pl *Plan) order() {
	p := pl.p
	if p.InputFile != "" && p.ConversationNum == nil && p.RequestCount == nil && p.BenchmarkDuration == nil {
		pl.maxSessions, pl.maxRequests = len(pl.convs), 0 // a file is sent once through
		if pl.fixed.stream != nil {
			pl.maxSessions = 0 // to the stream's end
		}
	}
	strategy := p.SamplingStrategy
	if strategy == "" && (p.InputFile != "" || pl.fixed.on) {
		strategy = "sequential" // files and traces go in order, as in AIPerf
	}
	pl.sampler = dataset.Plan(dataset.NewSampler(strategy, len(pl.convs), dataset.NewRand(pl.seed, dataset.StreamSampler)), pl.maxSessions)
	pl.expected = int64(pl.maxRequests)
	if pl.maxSessions > 0 {
		for _, i := range pl.sampler.Order {
			pl.expected += int64(len(pl.convs[i].Turns))
		}
		if p.ConversationTurnMean > 1 {
			pl.notes.infof("Multi-turn mode: %d conversations, %g turns on average (%d total requests)", pl.maxSessions, p.ConversationTurnMean, pl.expected)
		}
	}
}

// resolveTokenizer picks --tokenizer, the simulator's tokenizer when every
// URL is a sim://, or the model name.
func (pl *Plan) resolveTokenizer(e Env) error {
	p := pl.p
	name := p.Tokenizer
	if name == "" {
		name = p.Model[0]
		if len(pl.sims) == len(pl.urls) && len(pl.sims) > 0 {
			name = pl.sims[0].Tokenizer // the simulated model's own tokenizer
		}
	}
	res, err := tokenizer.Resolve(tokenizer.ResolveOptions{Name: name, Explicit: p.Tokenizer != "",
		Revision: p.TokenizerRevision, Getenv: e.Getenv})
	if err != nil {
		return UsageError{err}
	}
	pl.tok = res
	if res.Fallback == "" {
		pl.notes.info("Tokenizer: " + res.Tokenizer.Name())
		return nil
	}
	// One line: which tokenizer, and why; the full error only with -v.
	pl.notes.warn(fmt.Sprintf("Tokenizer: builtin o200k_base (%s: %s); token counts (ISL, OSL) are approximate for this model.", res.Requested, res.Fallback))
	if res.Detail != "" {
		pl.notes.add(slog.LevelDebug, "Tokenizer look-up: "+res.Detail)
	}
	return nil
}

// WithLoad is the plan for flags q that differ from the plan's in their
// load, budgets or artifact folder only (a capacity search's probe): the
// URLs, tokenizer, seed and conversations are the plan's, not loaded again.
func (pl *Plan) WithLoad(e Env, q *config.Profile) (*Plan, error) {
	e = e.withDefaults()
	if q.InputRecords != "" && q.InputRecords == pl.p.InputRecords {
		q.InputFile, q.RecordsFile = pl.p.RecordsFile, pl.p.RecordsFile // the parent's copy
	}
	if err := prepareFlags(e, q); err != nil {
		return nil, err
	}
	np, err := pl.derive(e, q, pl.seed)
	if err != nil {
		return nil, err
	}
	np.setFiles()
	np.notes.items = slices.Clone(pl.notes.items)
	np.order()
	if err := np.phases(e); err != nil {
		return nil, err
	}
	return np, np.resolveStages(e)
}

// derive is the plan for flags q, validated, over pl's servers, tokenizer
// and conversations, with seed: its endpoint and load resolved; the
// caller orders its sessions and resolves its phases.
func (pl *Plan) derive(e Env, q *config.Profile, seed uint64) (*Plan, error) {
	np := &Plan{p: q, seed: seed, urls: pl.urls, convs: pl.convs, fixed: pl.fixed, contextMode: pl.contextMode,
		tok: pl.tok, template: pl.template, sims: pl.sims, simInProcess: pl.simInProcess, traces: pl.traces, notes: &notes{}}
	if _, err := np.resolveEndpoint(); err != nil {
		return nil, err
	}
	return np, np.resolveLoad(e)
}

// Close stops the plan's sim:// servers and its spans' receiver (a plan
// made by WithLoad shares its parent's, which its parent stops).
func (pl *Plan) Close() {
	if pl != nil && pl.closeTraces != nil {
		pl.closeTraces()
		pl.closeTraces = nil
	}
	if pl != nil && pl.stopSims != nil {
		pl.stopSims()
		pl.stopSims = nil
	}
	if pl != nil && pl.p.RecordsFile != "" && pl.ownRecords {
		os.RemoveAll(filepath.Dir(pl.p.RecordsFile))
	}
}
