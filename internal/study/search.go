package study

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/profile"
)

// The SLO capacity search: the largest load (concurrency, request rate or
// user-centric rate) at which at least --slo-attainment-fraction of the
// requests meet every SLA and the error rate meets --error-rate-sla.
// Latency only grows with load on a healthy server, so the search probes
// upwards exponentially from the minimum until a probe fails, then bisects
// between the last pass and the first failure: O(log(max/min)) runs.

// searchParam is the searched load parameter.
type searchParam struct {
	name       string // concurrency, request_rate, user_centric_rate
	lo, hi     float64
	integer    bool
	set        func(p *config.Profile, x float64)
	resolution float64 // bisection stops when hi−lo is at most this
}

// paramOf is the searched parameter: the flags' range, and how a probe
// sets its value.
func paramOf(p *config.Profile) (*searchParam, error) {
	r, err := p.SearchRange()
	if err != nil {
		return nil, err
	}
	sp := &searchParam{name: r.Name, lo: r.Lo, hi: r.Hi, resolution: r.Hi * 0.02}
	switch r.Name {
	case "concurrency":
		sp.integer, sp.resolution = true, 1
		sp.set = func(p *config.Profile, x float64) { p.ConcurrencyList = []int{int(x)} }
	case "request_rate":
		sp.set = func(p *config.Profile, x float64) { p.RequestRateList = []float64{x} }
	default:
		sp.set = func(p *config.Profile, x float64) { p.UserCentricRateList = []float64{x} }
	}
	return sp, nil
}

// goodputOf is the SLAs as --goodput thresholds: a request is good when it
// meets every one, and the attainment is good / (ok + failed).
func goodputOf(p *config.Profile) string {
	var parts []string
	add := func(tag string, v *float64) {
		if v != nil {
			parts = append(parts, tag+":"+strconv.FormatFloat(*v, 'f', -1, 64))
		}
	}
	add("time_to_first_token", p.TTFTSLA)
	add("inter_token_latency", p.ITLSLA)
	add("request_latency", p.E2ESLA)
	return strings.Join(parts, " ")
}

// Probe is one run of the search.
type Probe struct {
	Value       float64            `json:"value"`
	Attainment  float64            `json:"attainment"`
	ErrorRate   float64            `json:"error_rate"`
	Passed      bool               `json:"passed"`
	Saturated   bool               `json:"saturated,omitempty"`
	ArtifactDir string             `json:"artifact_dir"`
	Error       string             `json:"error,omitempty"`
	Metrics     map[string]float64 `json:"metrics"`
}

// SearchResult is search/search_result.json.
type SearchResult struct {
	Parameter  string             `json:"parameter"`
	Answer     *float64           `json:"answer"`
	Range      [2]float64         `json:"range"`
	SLAs       map[string]float64 `json:"slas"`
	Attainment float64            `json:"slo_attainment_fraction"`
	Monotonic  bool               `json:"monotonic"`
	Note       string             `json:"note,omitempty"`
	Seed       int64              `json:"random_seed"`
	// Complete is false when the search stopped before its end (Ctrl-C,
	// a probe that could not run): Answer is then null, and BestSoFar the
	// largest passing load measured, which is not a capacity.
	Complete    bool     `json:"complete"`
	Interrupted bool     `json:"interrupted"`
	BestSoFar   *float64 `json:"best_so_far,omitempty"`
	Probes      []Probe  `json:"probes"`
}

type searcher struct {
	ctx   context.Context
	e     profile.Env
	base  *config.Profile
	param *searchParam
	dir   string
	seed  int64
	res   SearchResult
	// plan is resolved once, from the range's lower end; every probe is
	// it with another load (the tokenizer and dataset are not loaded again,
	// and sim:// servers live through the search, as a real server does).
	plan *plan.Plan
	// budgetSpent: --search-max-iterations stopped the search (not one
	// that ended on its last allowed probe).
	budgetSpent bool
}

func runSearch(ctx context.Context, e profile.Env, p *config.Profile) (string, error) {
	sp, _ := paramOf(p) // checked
	seed := baseSeed(p)
	s := &searcher{ctx: ctx, e: e, base: p, param: sp, seed: seed}
	s.res = SearchResult{Parameter: sp.name, Range: [2]float64{sp.lo, sp.hi}, Attainment: p.SLOAttainment, Monotonic: true, Seed: seed,
		SLAs: map[string]float64{}}
	for name, v := range map[string]*float64{"ttft_ms": p.TTFTSLA, "itl_ms": p.ITLSLA, "e2e_ms": p.E2ESLA, "error_rate": p.ErrorRateSLA} {
		if v != nil {
			s.res.SLAs[name] = *v
		}
	}
	for _, x := range []float64{sp.lo, sp.hi} { // every probe's flags are valid if both ends' are
		if err := validate(s.probeProfile(x), fmt.Sprintf("%s %v", sp.name, x)); err != nil {
			return "", err
		}
	}
	dir := p.ArtifactDir
	if e.Dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(e.Dir, dir)
	}
	if !p.ArtifactDirSet {
		dir = filepath.Join(dir, plan.ServiceName(p)+"-"+sp.name+"_search")
	}
	s.dir = SearchDir(dir)
	// Probes share one client: each starts on the connections the last one
	// left open, as a server's clients would.
	shared := &profile.Connections{}
	defer shared.Close()
	s.e.Shared = shared
	first := s.probeProfile(sp.lo)
	first.ArtifactDir, first.ArtifactDirSet = s.dir, true
	plan, err := profile.Resolve(s.e, first)
	if err != nil {
		return "", err
	}
	defer plan.Close()
	s.plan = plan
	err = s.search()
	s.res.Complete, s.res.Interrupted = err == nil, errors.Is(err, profile.ErrInterrupted)
	s.finish()
	werr := s.write()
	if err != nil {
		return dir, err
	}
	return dir, werr
}

// SearchDir is where a capacity search whose study folder is dir writes
// its probes and search_result.json.
func SearchDir(dir string) string { return filepath.Join(dir, "search") }

// ReadSearch reads a finished search's search_result.json from its study
// folder dir.
func ReadSearch(dir string) (*SearchResult, error) {
	b, err := os.ReadFile(filepath.Join(SearchDir(dir), "search_result.json"))
	if err != nil {
		return nil, err
	}
	var res SearchResult
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(SearchDir(dir), "search_result.json"), err)
	}
	return &res, nil
}

func (s *searcher) probeProfile(x float64) *config.Profile {
	q := copyProfile(s.base.WithoutSearch()) // a probe is a run of its own
	s.param.set(q, x)
	q.ResolveLists()
	q.RandomSeed = &s.seed
	q.Goodput = goodputOf(s.base)
	return q
}

// probe runs the load x (once: the search remembers every probe).
func (s *searcher) probe(x float64) (bool, error) {
	for _, pr := range s.res.Probes {
		if pr.Value == x {
			return pr.Passed, nil
		}
	}
	if len(s.res.Probes) >= s.base.SearchMaxProbes {
		return false, errBudget
	}
	if len(s.res.Probes) > 0 {
		if err := cooldown(s.ctx, s.base.SweepCooldown); err != nil {
			return false, err
		}
	}
	label := fmt.Sprintf("probe_%02d_%s_%s", len(s.res.Probes)+1, s.param.name, strconv.FormatFloat(x, 'f', -1, 64))
	out, err := s.runProbe(s.probeProfile(x), filepath.Join(s.dir, label))
	pr := Probe{Value: x, ArtifactDir: filepath.Join(s.dir, label), Metrics: map[string]float64{}}
	if err != nil {
		pr.Error = err.Error()
	}
	if out != nil {
		h := Headlines(out.Summary)
		for _, hl := range metrics.Headlines(metrics.InProbe) {
			if v, ok := h[hl.Key()]; ok {
				pr.Metrics[hl.Key()] = v.X
			}
		}
		pr.ErrorRate = h["request_error_rate_avg"].X / 100
		if g, ok := h["good_request_fraction_avg"]; ok {
			pr.Attainment = g.X
		} else { // no latency SLA: every successful request attains
			pr.Attainment = 1 - pr.ErrorRate
		}
		pr.Saturated = saturated(h, pr.ErrorRate)
		pr.Passed = pr.Attainment >= s.base.SLOAttainment && !pr.Saturated &&
			(s.base.ErrorRateSLA == nil || pr.ErrorRate <= *s.base.ErrorRateSLA)
	}
	s.res.Probes = append(s.res.Probes, pr)
	if stopping(err) {
		return false, err
	}
	return pr.Passed, nil
}

// runProbe runs one probe into dir: the search's plan with the probe's
// load.
func (s *searcher) runProbe(q *config.Profile, dir string) (*profile.Outcome, error) {
	q.ArtifactDir, q.ArtifactDirSet = dir, true
	fmt.Fprintf(s.e.Stderr, "sonde: study: running %s\n", dir)
	pl, err := s.plan.WithLoad(s.e.Plan(), q)
	if err != nil {
		return nil, err
	}
	return profile.MeasurePlan(s.e, pl)
}

var errBudget = errors.New("search budget (--search-max-iterations) spent")

// saturated flags a probe past the server's capacity whatever the SLAs:
// half the requests failing, or (open loop) requests waiting in sonde's
// queue for longer than the server took to answer them.
func saturated(h map[string]Value, errorRate float64) bool {
	if errorRate > 0.5 {
		return true
	}
	lag, ok1 := h["schedule_lag_p99"]
	lat, ok2 := h["request_latency_p99"]
	return ok1 && ok2 && lag.X > lat.X && lag.X > 1000
}

func (s *searcher) search() error {
	sp := Space{Lo: s.param.lo, Hi: s.param.hi, Resolution: s.param.resolution, Integer: s.param.integer}
	err := Search(sp, s.probe)
	s.budgetSpent = errors.Is(err, errBudget)
	return ignoreBudget(err)
}

func ignoreBudget(err error) error {
	if errors.Is(err, errBudget) {
		return nil
	}
	return err
}

// finish sets the answer and says what limits it.
func (s *searcher) finish() {
	ans, monotonic := Answer(s.res.Probes)
	s.res.Answer, s.res.Monotonic = ans, monotonic
	switch {
	case !s.res.Complete:
		s.res.Answer, s.res.BestSoFar = nil, ans
		s.res.Note = fmt.Sprintf("the search stopped after %d probes, before its end: no answer (a largest passing load so far is not a capacity)", len(s.res.Probes))
		if s.res.Interrupted {
			s.res.Note = fmt.Sprintf("interrupted after %d probes: no answer (a largest passing load so far is not a capacity)", len(s.res.Probes))
		}
	case !s.res.Monotonic:
		s.res.Note = "a load above a failing one passed: the measured curve is not monotonic (noise, or a server that changes with load); the answer is the largest pass below every failure"
	case ans == nil:
		s.res.Note = fmt.Sprintf("even the minimum %s %v misses the SLAs", s.res.Parameter, s.res.Range[0])
	case *ans >= s.res.Range[1]:
		s.res.Note = fmt.Sprintf("the maximum %s %v meets the SLAs: capacity may be higher", s.res.Parameter, s.res.Range[1])
	case s.budgetSpent:
		s.res.Note = "the search budget (--search-max-iterations) ended the search before it narrowed to one step"
	}
}

func (s *searcher) write() error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	printSearch(s.e.Stdout, &s.res)
	if err := writeJSON(filepath.Join(s.dir, "search_history.json"), capacityHistory(&s.res, s.base, s.budgetSpent)); err != nil {
		return err
	}
	return writeJSON(filepath.Join(s.dir, "search_result.json"), s.res)
}

func printSearch(w io.Writer, r *SearchResult) {
	var slas []string
	for _, k := range slices.Sorted(maps.Keys(r.SLAs)) {
		slas = append(slas, fmt.Sprintf("%s ≤ %v", k, r.SLAs[k]))
	}
	fmt.Fprintf(w, "\nsonde | Capacity search over %s (SLAs: %s; attainment ≥ %v)\n", r.Parameter, strings.Join(slas, ", "), r.Attainment)
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "probe\tvalue\tattainment\terrors\treq/s\tTTFT p99 (ms)\tlatency p99 (ms)\tresult\t")
	for i, p := range r.Probes {
		verdict := "fail"
		if p.Passed {
			verdict = "pass"
		}
		if p.Saturated {
			verdict += " (saturated)"
		}
		fmt.Fprintf(tw, "%d\t%v\t%.3f\t%.3f\t%.2f\t%.2f\t%.2f\t%s\t\n", i+1, p.Value, p.Attainment, p.ErrorRate,
			p.Metrics["request_throughput_avg"], p.Metrics["time_to_first_token_p99"], p.Metrics["request_latency_p99"], verdict)
	}
	tw.Flush()
	switch {
	case r.Answer != nil:
		fmt.Fprintf(w, "Answer: %s %v\n", r.Parameter, *r.Answer)
	case !r.Complete && r.BestSoFar != nil:
		fmt.Fprintf(w, "Answer: none, the search did not finish (largest pass so far: %s %v, not final)\n", r.Parameter, *r.BestSoFar)
	case !r.Complete:
		fmt.Fprintln(w, "Answer: none, the search did not finish")
	default:
		fmt.Fprintln(w, "Answer: none")
	}
	if r.Note != "" {
		fmt.Fprintln(w, "Note: "+r.Note)
	}
}
