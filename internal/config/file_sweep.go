package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// sweepFlag is the flag a sweep parameter becomes, by the names AIPerf
// takes (a bare name, or the path it stands for).
func sweepFlag(name string) (string, bool) {
	switch name {
	case "concurrency", "phases.profiling.concurrency":
		return "concurrency", true
	case "rate", "request_rate", "phases.profiling.rate":
		return "request-rate", true
	case "user_centric_rate", "phases.profiling.user_centric_rate":
		return "user-centric-rate", true
	case "isl", "osl":
		return name, true
	}
	return "", false
}

// sweep reads AIPerf's sweep block — type grid or zip, parameters by name
// with their lists — as the list flags a sweep runs from. It is read after
// the rest of the file: a swept ISL or OSL pairs with the file's other
// length. A sweep: {type: zip} of concurrency and rate is
// --concurrency 1,2 --request-rate 5,10 --sweep-type zip.
func (l *loader) sweep(v *yaml.Node) error {
	switch t := sweepType(v); t {
	case "sobol", "latin_hypercube":
		return l.qmc(t, v)
	case "adaptive_search":
		return l.adaptive(v)
	}
	return l.paramSweep(v)
}

// paramSweep reads a grid, zip or scenarios sweep.
func (l *loader) paramSweep(v *yaml.Node) error {
	var isl, osl []string
	var params *yaml.Node
	var runs *yaml.Node
	err := l.fields(v, "sweep", []string{"parameters", "type", "variables", "runs"}, func(k string, v *yaml.Node) error { // variables: AIPerf's other name
		switch k {
		case "type":
			if v.Value == "scenarios" {
				return nil
			}
			return l.set("sweep-type", v, "sweep.type")
		case "runs":
			runs = v
			return nil
		}
		params = v
		return nil
	})
	if err != nil {
		return err
	}
	if runs != nil {
		if params != nil {
			return l.errorf(v, "sweep: runs (a scenario sweep) or parameters, not both")
		}
		l.scenarioRuns = runs
		return nil
	}
	if params == nil {
		return l.errorf(v, "sweep: no parameters to sweep (parameters: {concurrency: [1, 2, 4]}, or rate, user_centric_rate, isl, osl)")
	}
	if params.Kind != yaml.MappingNode {
		return l.errorf(params, "sweep.parameters must be a mapping of names to lists")
	}
	if !flagSweep(params) { // any field by its path: each point runs as a scenario
		l.pathSweep = params
		return nil
	}
	for i := 0; i+1 < len(params.Content); i += 2 {
		key, list := params.Content[i], params.Content[i+1]
		name := strings.TrimSuffix(strings.TrimPrefix(snakePath(key.Value), "dataset."), ".mean")
		if j := strings.Index(name, "prompts."); j >= 0 { // datasets.main.prompts.isl
			name = name[j+len("prompts."):]
		}
		flag, ok := sweepFlag(name)
		if !ok {
			return l.errorf(key, "sweep.parameters.%s: sonde sweeps concurrency, rate, user_centric_rate, isl and osl", key.Value)
		}
		if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
			return l.errorf(list, "sweep.parameters.%s must be a list of values", key.Value)
		}
		switch flag {
		case "isl", "osl":
			for _, c := range list.Content {
				s, err := l.scalar(c, "sweep.parameters."+key.Value)
				if err != nil {
					return err
				}
				if flag == "isl" {
					isl = append(isl, s)
				} else {
					osl = append(osl, s)
				}
			}
		default:
			if err := l.list(flag, list, "sweep.parameters."+key.Value); err != nil {
				return err
			}
		}
	}
	if len(isl)+len(osl) > 0 {
		return l.pairs(v, isl, osl)
	}
	return nil
}

// sweepType is a sweep block's type ("" when not given).
func sweepType(v *yaml.Node) string {
	if v.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(v.Content); i += 2 {
			if v.Content[i].Value == "type" {
				return v.Content[i+1].Value
			}
		}
	}
	return ""
}

// pairs turns swept ISLs and OSLs into --isl-osl-pairs: every
// combination, or element by element with type zip; a length swept alone
// pairs with the file's other one.
func (l *loader) pairs(v *yaml.Node, isl, osl []string) error {
	fixed := func(flag, def string) []string {
		if s, ok := l.out.Flags[flag].(string); ok {
			return []string{s}
		}
		return []string{def}
	}
	if len(isl) == 0 {
		isl = fixed("prompt-input-tokens-mean", "550")
	}
	if len(osl) == 0 {
		if _, ok := l.out.Flags["prompt-output-tokens-mean"]; !ok {
			return l.errorf(v, "sweep: sonde sweeps ISL with an OSL (their pairs): give dataset.prompts.osl, or sweep osl too")
		}
		osl = fixed("prompt-output-tokens-mean", "")
	}
	var out []string
	if l.out.Flags["sweep-type"] == "zip" && len(isl) > 1 && len(osl) > 1 {
		if len(isl) != len(osl) {
			return l.errorf(v, "sweep: type zip pairs isl and osl element by element; they have %d and %d values", len(isl), len(osl))
		}
		for i := range isl {
			out = append(out, isl[i]+":"+osl[i])
		}
	} else {
		for _, a := range isl {
			for _, b := range osl {
				out = append(out, a+":"+b)
			}
		}
	}
	l.out.Flags["isl-osl-pairs"] = strings.Join(out, ",")
	return nil
}

// snakePath is snake applied to each part of a dotted path.
func snakePath(p string) string {
	parts := strings.Split(p, ".")
	for i := range parts {
		parts[i] = snake(parts[i])
	}
	return strings.Join(parts, ".")
}

// flagSweep: every parameter is one the list flags sweep (concurrency,
// rate, user-centric rate; ISL and OSL as pairs), with plain values.
func flagSweep(params *yaml.Node) bool {
	for i := 0; i+1 < len(params.Content); i += 2 {
		name := strings.TrimSuffix(strings.TrimPrefix(snakePath(params.Content[i].Value), "dataset."), ".mean")
		if j := strings.Index(name, "prompts."); j >= 0 {
			name = name[j+len("prompts."):]
		}
		if _, ok := sweepFlag(name); !ok {
			return false
		}
		for _, v := range params.Content[i+1].Content {
			if v.Kind != yaml.ScalarNode {
				return false
			}
		}
	}
	return true
}
