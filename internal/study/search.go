package study

import (
	"context"
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

func searching(p *config.Profile) bool {
	return p.ConcurrencyMin != nil || p.ConcurrencyMax != nil || p.RequestRateMin != nil || p.RequestRateMax != nil ||
		p.UserCentricRateMin != nil || p.UserCentricRateMax != nil ||
		p.TTFTSLA != nil || p.ITLSLA != nil || p.E2ESLA != nil || p.ErrorRateSLA != nil
}

func slaGiven(p *config.Profile) bool {
	return p.TTFTSLA != nil || p.ITLSLA != nil || p.E2ESLA != nil || p.ErrorRateSLA != nil
}

func paramOf(p *config.Profile) (*searchParam, error) {
	var found []*searchParam
	if p.ConcurrencyMin != nil || p.ConcurrencyMax != nil {
		if p.ConcurrencyMin == nil || p.ConcurrencyMax == nil {
			return nil, errors.New("a concurrency search needs both --concurrency-min and --concurrency-max")
		}
		found = append(found, &searchParam{name: "concurrency", lo: float64(*p.ConcurrencyMin), hi: float64(*p.ConcurrencyMax), integer: true,
			resolution: 1, set: func(p *config.Profile, x float64) { p.ConcurrencyList = []int{int(x)} }})
	}
	rate := func(name, flag string, lo, hi *float64, set func(p *config.Profile, x float64)) error {
		if lo == nil && hi == nil {
			return nil
		}
		if lo == nil || hi == nil {
			return fmt.Errorf("a %s search needs both --%s-min and --%s-max", name, flag, flag)
		}
		found = append(found, &searchParam{name: name, lo: *lo, hi: *hi, set: set, resolution: *hi * 0.02})
		return nil
	}
	if err := rate("request rate", "request-rate", p.RequestRateMin, p.RequestRateMax,
		func(p *config.Profile, x float64) { p.RequestRateList = []float64{x} }); err != nil {
		return nil, err
	}
	if err := rate("user-centric rate", "user-centric-rate", p.UserCentricRateMin, p.UserCentricRateMax,
		func(p *config.Profile, x float64) { p.UserCentricRateList = []float64{x} }); err != nil {
		return nil, err
	}
	switch {
	case len(found) == 0:
		return nil, errors.New("an SLA flag starts a capacity search, which needs a range: --concurrency-min/-max, --request-rate-min/-max or --user-centric-rate-min/-max")
	case len(found) > 1:
		return nil, errors.New("a capacity search takes one range: concurrency, request rate or user-centric rate")
	}
	sp := found[0]
	sp.name = strings.ReplaceAll(strings.ReplaceAll(sp.name, "-", "_"), " ", "_")
	if sp.lo <= 0 || sp.hi < sp.lo {
		return nil, fmt.Errorf("the %s search range must be positive with min ≤ max, got %v to %v", sp.name, sp.lo, sp.hi)
	}
	return sp, nil
}

func checkSearch(p *config.Profile) error {
	if !searching(p) {
		return nil
	}
	if _, err := paramOf(p); err != nil {
		return err
	}
	var errs []error
	if !slaGiven(p) {
		errs = append(errs, errors.New("a search range needs an SLA to search against: --ttft-sla-ms, --itl-sla-ms, --e2e-sla-ms or --error-rate-sla"))
	}
	if (p.TTFTSLA != nil || p.ITLSLA != nil) && !p.Streaming {
		errs = append(errs, errors.New("--ttft-sla-ms and --itl-sla-ms need --streaming"))
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"--ttft-sla-ms", p.TTFTSLA}, {"--itl-sla-ms", p.ITLSLA}, {"--e2e-sla-ms", p.E2ESLA}} {
		if f.v != nil && *f.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %v", f.name, *f.v))
		}
	}
	if p.ErrorRateSLA != nil && (*p.ErrorRateSLA < 0 || *p.ErrorRateSLA > 1) {
		errs = append(errs, fmt.Errorf("--error-rate-sla is a fraction between 0 and 1, got %v", *p.ErrorRateSLA))
	}
	if p.SLOAttainment <= 0 || p.SLOAttainment > 1 {
		errs = append(errs, fmt.Errorf("--slo-attainment-fraction must be in (0, 1], got %v", p.SLOAttainment))
	}
	if p.Goodput != "" {
		errs = append(errs, errors.New("--goodput cannot be combined with a capacity search: the SLA flags set the thresholds"))
	}
	if p.SearchMaxProbes < 2 || p.SearchMaxProbes > 200 {
		errs = append(errs, fmt.Errorf("--search-max-iterations must be between 2 and 200, got %d", p.SearchMaxProbes))
	}
	if len(p.ConcurrencyList) > 1 || len(p.RequestRateList) > 1 || len(p.UserCentricRateList) > 1 || p.ISLOSLPairs != "" || p.NumProfileRuns > 1 {
		errs = append(errs, errors.New("a capacity search cannot be combined with a sweep or --num-profile-runs"))
	}
	return errors.Join(errs...)
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
	Probes     []Probe            `json:"probes"`
}

var probeMetrics = []string{"request_throughput_avg", "output_token_throughput_avg", "time_to_first_token_p50", "time_to_first_token_p99",
	"inter_token_latency_p99", "request_latency_p50", "request_latency_p99", "effective_latency_p99", "schedule_lag_p99"}

type searcher struct {
	ctx   context.Context
	e     profile.Env
	base  *config.Profile
	param *searchParam
	dir   string
	seed  int64
	res   SearchResult
	// budgetSpent: --search-max-iterations stopped the search (not one
	// that ended on its last allowed probe).
	budgetSpent bool
}

func runSearch(ctx context.Context, e profile.Env, p *config.Profile) (string, error) {
	sp, _ := paramOf(p) // checked
	seed := int64(defaultSeed)
	if p.RandomSeed != nil {
		seed = *p.RandomSeed
	}
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
		dir = filepath.Join(dir, profile.ServiceName(p)+"-"+sp.name+"_search")
	}
	s.dir = filepath.Join(dir, "search")
	// Probes share one client: each starts on the connections the last one
	// left open, as a server's clients would.
	shared := &profile.Connections{}
	defer shared.Close()
	s.e.Shared = shared
	err := s.search()
	s.finish()
	werr := s.write()
	if err != nil {
		return dir, err
	}
	return dir, werr
}

func (s *searcher) probeProfile(x float64) *config.Profile {
	q := copyProfile(s.base)
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
	out, err := runOne(s.e, s.probeProfile(x), filepath.Join(s.dir, label))
	pr := Probe{Value: x, ArtifactDir: filepath.Join(s.dir, label), Metrics: map[string]float64{}}
	if err != nil {
		pr.Error = err.Error()
	}
	if out != nil {
		h := Headlines(out.Summary)
		for _, k := range probeMetrics {
			if v, ok := h[k]; ok {
				pr.Metrics[k] = v.X
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
	if r.Answer != nil {
		fmt.Fprintf(w, "Answer: %s %v\n", r.Parameter, *r.Answer)
	} else {
		fmt.Fprintln(w, "Answer: none")
	}
	if r.Note != "" {
		fmt.Fprintln(w, "Note: "+r.Note)
	}
}
