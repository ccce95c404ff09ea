package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// A profiling phase after the run's own (--phase NAME:KEY=V;…) is the
// run's flags with the phase's load: its load and stop conditions start
// from their defaults (a phase of an AIPerf config file names all of its
// own, and inherits none from the phase before), and its dataset flags, if
// any, change its prompts. dataset=NAME marks a dataset of its own: every
// dataset flag then starts from its default too.

// phaseLoadFlags are the flags a phase sets from their defaults.
var phaseLoadFlags = []string{"concurrency", "request-rate", "arrival-pattern", "arrival-smoothness", "request-count",
	"benchmark-duration", "benchmark-grace-period", "conversation-num", "prefill-concurrency", "user-centric-rate", "num-users",
	"request-cancellation-rate", "request-cancellation-delay", "concurrency-ramp-duration", "request-rate-ramp-duration",
	"prefill-concurrency-ramp-duration", "fixed-schedule"}

// phaseDataFlags are the dataset flags a phase may change.
var phaseDataFlags = []string{"prompt-input-tokens-mean", "prompt-input-tokens-stddev", "prompt-output-tokens-mean",
	"prompt-output-tokens-stddev", "isl-distribution", "osl-distribution", "seq-dist", "num-dataset-entries",
	"prompt-prefix-pool-size", "prompt-prefix-length", "shared-system-prompt-length", "user-context-prompt-length",
	"conversation-turn-mean", "conversation-turn-stddev", "conversation-turn-delay-mean", "conversation-turn-delay-stddev",
	"conversation-turn-delay-ratio", "prompt-input-tokens-block-size", "prompt-batch-size", "dataset-sampling-strategy",
	"image-width-mean", "image-width-stddev", "image-height-mean", "image-height-stddev", "image-batch-size", "image-format",
	"image-source", "image-source-sampling", "audio-length-mean", "audio-length-stddev", "audio-batch-size", "audio-format",
	"audio-depths", "audio-sample-rates", "audio-num-channels"}

// PhaseSpec is one --phase: its name, whether it starts once the previous
// phase has sent everything (seamless), whether it has prompts of its own,
// and its profile.
type PhaseSpec struct {
	Name     string
	Seamless bool
	OwnData  bool // its dataset flags differ from the run's
	Profile  *Profile
}

// ParsePhases reads every --phase against the run's flags p.
func (p *Profile) ParsePhases() ([]PhaseSpec, error) {
	var out []PhaseSpec
	names := map[string]bool{p.PhaseName: true}
	for _, s := range p.Phases {
		ph, err := p.parsePhase(s)
		if err != nil {
			return nil, fmt.Errorf("--phase %q: %w", s, err)
		}
		if names[ph.Name] {
			return nil, fmt.Errorf("--phase %q: a second phase named %s", s, ph.Name)
		}
		names[ph.Name] = true
		out = append(out, ph)
	}
	return out, nil
}

func (p *Profile) parsePhase(s string) (PhaseSpec, error) {
	name, rest, _ := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "/\\ ") {
		return PhaseSpec{}, fmt.Errorf("NAME:KEY=VALUE;… needs a name without spaces or slashes")
	}
	q := *p
	q.Phases, q.PhaseName, q.SweepScenarios, q.Variants, q.WarmupDataset = nil, name, nil, nil, ""
	q.CountOrDuration = true // a phase's stop conditions: the first reached wins
	ph := PhaseSpec{Name: name, Profile: &q}
	pairs := map[string]string{}
	for _, kv := range splitPairs(rest) {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return ph, fmt.Errorf("%q is not KEY=VALUE", kv)
		}
		pairs[strings.TrimPrefix(strings.TrimSpace(k), "--")] = strings.TrimSpace(v)
	}
	flags := FlagNames()
	reset := slices.Clone(phaseLoadFlags)
	if _, own := pairs["dataset"]; own {
		reset, ph.OwnData = append(reset, phaseDataFlags...), true
	}
	for _, f := range reset {
		setDefault(&q, flags[f].field)
	}
	q.Concurrency, q.RequestRate, q.UserCentricRate = nil, nil, nil // resolved from the lists below
	for _, k := range slices.Sorted(maps.Keys(pairs)) {
		v := pairs[k]
		switch k {
		case "seamless":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return ph, fmt.Errorf("seamless=%q is not true or false", v)
			}
			ph.Seamless = b
			continue
		case "dataset":
			continue
		}
		f, ok := flags[k]
		switch {
		case !ok:
			return ph, fmt.Errorf("%s is not a flag", k)
		case slices.Contains(phaseDataFlags, f.name):
			ph.OwnData = true
		case !slices.Contains(phaseLoadFlags, f.name):
			return ph, fmt.Errorf("--%s is the run's, not a phase's (a phase takes %s, dataset flags and seamless)", f.name, strings.Join(phaseLoadFlags, ", "))
		}
		if enum, ok := reflect.TypeFor[Profile]().Field(f.field).Tag.Lookup("enum"); ok && !slices.Contains(strings.Split(enum, ","), v) {
			return ph, fmt.Errorf("%s=%s: one of %s", k, v, enum)
		}
		if err := setFlag(&q, f.field, v); err != nil {
			return ph, fmt.Errorf("%s=%s: %w", k, v, err)
		}
	}
	if q.ResolveLists() {
		return ph, fmt.Errorf("a phase takes one value per flag (a sweep of phases is a study)")
	}
	overrideLengths(&q, pairs, flags)
	return ph, nil
}

// setDefault gives field i of p its flag's default (its zero value when it
// has none).
func setDefault(p *Profile, i int) {
	f := reflect.ValueOf(p).Elem().Field(i)
	f.SetZero()
	if d, ok := reflect.TypeFor[Profile]().Field(i).Tag.Lookup("default"); ok {
		_ = setFlag(p, i, d)
	}
}

// setFlag sets field i of p from a flag's text, as kong would for the
// kinds a phase's flags have.
func setFlag(p *Profile, i int, s string) error {
	f := reflect.ValueOf(p).Elem().Field(i)
	t := f.Type()
	if t.Kind() == reflect.Pointer {
		v := reflect.New(t.Elem())
		if err := setScalar(v.Elem(), s); err != nil {
			return err
		}
		f.Set(v)
		return nil
	}
	if t.Kind() == reflect.Slice {
		list := reflect.MakeSlice(t, 0, 1)
		for part := range strings.SplitSeq(s, ",") {
			v := reflect.New(t.Elem()).Elem()
			if err := setScalar(v, part); err != nil {
				return err
			}
			list = reflect.Append(list, v)
		}
		f.Set(list)
		return nil
	}
	return setScalar(f, s)
}

func setScalar(v reflect.Value, s string) error {
	s = strings.TrimSpace(s)
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		v.SetInt(int64(n))
	case reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(x)
	default:
		return fmt.Errorf("a %s flag cannot be set by a phase", v.Kind())
	}
	return nil
}

// checkPhases applies the rules of every flag to each --phase's profile.
func (p *Profile) checkPhases(add func(string, ...any)) {
	if len(p.Phases) == 0 {
		return
	}
	specs, err := p.ParsePhases()
	if err != nil {
		add("%v", err)
		return
	}
	if p.FixedSchedule || p.Searching() || len(p.ConcurrencyList) > 1 || len(p.RequestRateList) > 1 || len(p.UserCentricRateList) > 1 || p.ISLOSLPairs != "" {
		add("--phase: a run of several phases cannot also be a fixed-schedule replay, a sweep or a search")
	}
	for _, ph := range specs {
		for _, err := range ph.Profile.Validate() {
			add("--phase %s: %v", ph.Name, err)
		}
	}
}

// stagePhases adds each --phase to b's phases; a phase with prompts of its
// own gets a dataset of its own, named after it.
func (p *Profile) stagePhases(b *Body) {
	specs, err := p.ParsePhases()
	if err != nil || len(specs) == 0 {
		return // validated before any export
	}
	own := false
	for _, sp := range specs {
		ph := sp.Profile.profilingPhase()
		ph.Seamless = sp.Seamless
		if sp.OwnData {
			d := sp.Profile.dataset()
			d.Name, ph.Dataset, own = sp.Name, sp.Name, true
			b.Datasets = append(b.Datasets, d)
		}
		b.Phases = append(b.Phases, ph)
	}
	if !own {
		return
	}
	for i := range b.Phases {
		if b.Phases[i].Dataset == "" {
			b.Phases[i].Dataset = b.Datasets[0].Name
		}
	}
}

// splitPairs splits a --phase's KEY=VALUE pairs at each ';' not escaped
// as '\;' (a --seq-dist value holds its own).
func splitPairs(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ';':
			cur.WriteByte(';')
			i++
		case s[i] == ';':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(out, cur.String())
}

// overrideLengths: a length a phase names outranks the run's ways of
// drawing it that would otherwise win (--seq-dist over both lengths, a
// distribution over its mean), so isl=99 means 99.
func overrideLengths(q *Profile, pairs map[string]string, flags map[string]flagInfo) {
	given := map[string]bool{}
	for k := range pairs {
		given[flags[k].name] = true
	}
	isl := given["prompt-input-tokens-mean"] || given["prompt-input-tokens-stddev"] || given["isl-distribution"]
	osl := given["prompt-output-tokens-mean"] || given["prompt-output-tokens-stddev"] || given["osl-distribution"]
	if (isl || osl) && !given["seq-dist"] {
		q.SeqDist = ""
	}
	if isl && !given["isl-distribution"] {
		q.ISLDistribution = ""
	}
	if osl && !given["osl-distribution"] {
		q.OSLDistribution = ""
	}
}

// WarmupData is the profile whose dataset flags make the warm-up's own
// prompts (--warmup-dataset); nil without.
func (p *Profile) WarmupData() (*Profile, error) {
	if p.WarmupDataset == "" {
		return nil, nil
	}
	flags := FlagNames()
	for _, kv := range splitPairs(p.WarmupDataset) {
		k, _, _ := strings.Cut(strings.TrimSpace(kv), "=")
		k = strings.TrimPrefix(strings.TrimSpace(k), "--")
		if k != "" && k != "dataset" && !slices.Contains(phaseDataFlags, flags[k].name) {
			return nil, fmt.Errorf("--warmup-dataset: %s is not a dataset flag (isl, osl, num-dataset-entries, prompt-prefix-pool-size, …)", k)
		}
	}
	ph, err := p.parsePhase("warmup:dataset=warmup;" + p.WarmupDataset)
	if err != nil {
		return nil, fmt.Errorf("--warmup-dataset: %w", err)
	}
	return ph.Profile, nil
}

// checkWarmupData applies the dataset flags' rules to the warm-up's own.
func (p *Profile) checkWarmupData(add func(string, ...any)) {
	q, err := p.WarmupData()
	if err != nil {
		add("%v", err)
		return
	}
	if q != nil && !p.Warmup() {
		add("--warmup-dataset set, but no warm-up runs: give --warmup-request-count, --num-warmup-sessions or --warmup-duration")
	}
	if q != nil {
		for _, err := range q.Validate() {
			add("--warmup-dataset: %v", err)
		}
	}
}

// warmupDatasetBody gives the warm-up phase its own dataset in b when it
// has one (--warmup-dataset), named warmup; every other phase then names
// its dataset too.
func (p *Profile) warmupDatasetBody(b *Body) {
	q, err := p.WarmupData()
	if err != nil || q == nil || len(b.Phases) == 0 || b.Phases[0].Name != "warmup" {
		return
	}
	d := q.dataset()
	d.Name = "warmup"
	b.Datasets = append(b.Datasets, d)
	for i := range b.Phases {
		if b.Phases[i].Dataset == "" {
			b.Phases[i].Dataset = b.Datasets[0].Name
		}
	}
	b.Phases[0].Dataset = "warmup"
}
