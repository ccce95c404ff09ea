package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Scenario is one named run of a scenario sweep (--sweep-scenario): the
// flags it changes from the run's, by name; a nil value puts a flag back
// to its default.
type Scenario struct {
	Name  string         `json:"name"`
	Flags map[string]any `json:"flags"`
}

// Scenarios reads every --sweep-scenario.
func (p *Profile) Scenarios() ([]Scenario, error) {
	var out []Scenario
	seen := map[string]bool{}
	for _, s := range p.SweepScenarios {
		var sc Scenario
		if err := decodeStrict(s, &sc); err != nil {
			return nil, fmt.Errorf("--sweep-scenario %q: not {\"name\": …, \"flags\": {…}}: %v", s, err)
		}
		if sc.Name == "" || strings.ContainsAny(sc.Name, "/\\ ") {
			return nil, fmt.Errorf("--sweep-scenario %q: a name without spaces or slashes is required", s)
		}
		if seen[sc.Name] {
			return nil, fmt.Errorf("--sweep-scenario: a second scenario named %s", sc.Name)
		}
		seen[sc.Name] = true
		out = append(out, sc)
	}
	for i, v := range p.Variants {
		sc, err := parseVariant(v, i)
		if err != nil {
			return nil, err
		}
		if seen[sc.Name] {
			return nil, fmt.Errorf("--variant: a second variant named %s", sc.Name)
		}
		seen[sc.Name] = true
		out = append(out, sc)
	}
	return out, nil
}

// HasScenarios reports a scenario sweep (--sweep-scenario or --variant).
func (p *Profile) HasScenarios() bool { return len(p.SweepScenarios) > 0 || len(p.Variants) > 0 }

// parseVariant reads AIPerf's --variant: "[NAME:] KEY=VALUE, KEY=VALUE";
// keys are flag names, kebab or snake case; unnamed, the i-th is
// variant_<i+1>.
func parseVariant(s string, i int) (Scenario, error) {
	sc := Scenario{Name: fmt.Sprintf("variant_%d", i+1), Flags: map[string]any{}}
	body := s
	if name, rest, ok := strings.Cut(s, ":"); ok && !strings.Contains(name, "=") {
		sc.Name, body = strings.TrimSpace(name), rest
	}
	if sc.Name == "" || strings.ContainsAny(sc.Name, "/\\ ") {
		return sc, fmt.Errorf("--variant %q: a name without spaces or slashes", s)
	}
	for kv := range strings.SplitSeq(body, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		k, v = strings.ReplaceAll(strings.TrimSpace(k), "_", "-"), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return sc, fmt.Errorf("--variant %q: %q is not key=value", s, strings.TrimSpace(kv))
		}
		sc.Flags[k] = v
	}
	return sc, nil
}

// ApplyScenario sets a scenario's flags on p (a run's own copy).
func (p *Profile) ApplyScenario(sc Scenario) error {
	flags := FlagNames()
	for _, k := range slices.Sorted(maps.Keys(sc.Flags)) {
		f, ok := flags[k]
		if !ok || f.name == "sweep-scenario" || f.name == "config" {
			return fmt.Errorf("scenario %s: %s is not a flag a scenario sets", sc.Name, k)
		}
		var err error
		switch v := sc.Flags[k].(type) {
		case nil:
			setDefault(p, f.field)
		case string:
			err = setFlag(p, f.field, v)
		case float64, bool:
			err = setFlag(p, f.field, fmt.Sprint(v))
		case []any:
			err = setList(p, f, v)
		default:
			err = fmt.Errorf("a %T value", v)
		}
		if err != nil {
			return fmt.Errorf("scenario %s: %s: %w", sc.Name, k, err)
		}
	}
	p.SweepScenarios, p.Variants = nil, nil
	p.Concurrency, p.RequestRate, p.UserCentricRate = nil, nil, nil // resolved again from the lists
	p.ResolveLists()
	return nil
}

// setList sets a repeatable flag from a list of values.
func setList(p *Profile, f flagInfo, vs []any) error {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprint(v)
	}
	if !f.whole {
		return setFlag(p, f.field, strings.Join(parts, ","))
	}
	fv := reflect.ValueOf(p).Elem().Field(f.field)
	if fv.Type() != reflect.TypeFor[[]string]() {
		return fmt.Errorf("cannot be a list")
	}
	fv.Set(reflect.ValueOf(parts))
	return nil
}

// checkScenarios applies every flag rule to each scenario's run.
func (p *Profile) checkScenarios(add func(string, ...any)) {
	if !p.HasScenarios() {
		return
	}
	if len(p.SweepScenarios) > 0 && len(p.Variants) > 0 {
		add("--sweep-scenario and --variant are two forms of one sweep: give one")
	}
	if n := len(p.Variants); n == 1 {
		add("--variant: one variant is one run; give at least two (or set the flags themselves)")
	}
	scs, err := p.Scenarios()
	if err != nil {
		add("%v", err)
		return
	}
	if len(p.ConcurrencyList) > 1 || len(p.RequestRateList) > 1 || len(p.UserCentricRateList) > 1 || p.ISLOSLPairs != "" || p.Searching() {
		add("--sweep-scenario: a scenario sweep is a sweep of its own; its scenarios set the lists' values (no other sweep or search beside it)")
	}
	for _, sc := range scs {
		q := *p
		if err := q.ApplyScenario(sc); err != nil {
			add("--sweep-scenario %v", err)
			continue
		}
		for _, err := range q.Validate() {
			add("--sweep-scenario %s: %v", sc.Name, err)
		}
	}
}

// decodeStrict reads JSON into v, refusing keys v does not have.
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
