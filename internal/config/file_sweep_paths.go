package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A sweep of any field (sweep.parameters by dot-path into the benchmark
// body, AIPerf's): each point of the grid (or of the zip) becomes a
// scenario whose part of the file sets those fields, deep-merged as a
// scenario's is.

// phaseSugar are the phase fields a sweep may name bare (AIPerf's
// bare-name aliases of phases.profiling.<name>).
var phaseSugar = []string{"concurrency", "prefill_concurrency", "rate", "requests", "duration", "sessions", "users",
	"smoothness", "grace_period", "concurrency_ramp", "prefill_ramp", "rate_ramp"}

// sweepPoints makes the scenario runs of a path sweep over root.
func (l *loader) sweepPoints(root *yaml.Node) (*yaml.Node, error) {
	params := l.pathSweep
	zip := l.out.Flags["sweep-type"] == "zip"
	delete(l.out.Flags, "sweep-type") // the points are the scenarios now
	type axis struct {
		key    *yaml.Node
		path   []string
		values []*yaml.Node
	}
	var axes []axis
	for i := 0; i+1 < len(params.Content); i += 2 {
		key, list := params.Content[i], params.Content[i+1]
		if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
			return nil, l.errorf(list, "sweep.parameters.%s must be a list of values", key.Value)
		}
		path, err := l.sweepPath(root, key)
		if err != nil {
			return nil, err
		}
		axes = append(axes, axis{key, path, list.Content})
	}
	points := [][]int{{}}
	if zip {
		for _, a := range axes[1:] {
			if len(a.values) != len(axes[0].values) {
				return nil, l.errorf(a.key, "sweep: type zip pairs the parameters element by element; %s has %d values and %s %d",
					axes[0].key.Value, len(axes[0].values), a.key.Value, len(a.values))
			}
		}
		points = nil
		for j := range axes[0].values {
			p := make([]int, len(axes))
			for i := range p {
				p[i] = j
			}
			points = append(points, p)
		}
	} else {
		for _, a := range axes {
			var next [][]int
			for _, p := range points {
				for j := range a.values {
					next = append(next, append(slices.Clone(p), j))
				}
			}
			points = next
		}
	}
	runs := &yaml.Node{Kind: yaml.SequenceNode}
	for _, p := range points {
		run := &yaml.Node{Kind: yaml.MappingNode}
		var labels []string
		for i, a := range axes {
			v := a.values[p[i]]
			labels = append(labels, pointLabel(a.path, v, p[i]))
			body := &yaml.Node{Kind: yaml.MappingNode}
			setPath(body, a.path, v, a.key.Line)
			for k := 0; k+1 < len(body.Content); k += 2 {
				mergeKey(run, body.Content[k], body.Content[k+1])
			}
		}
		if _, qmc := l.out.Flags["sampling-design"]; qmc { // points of a design may repeat a value
			labels = append([]string{fmt.Sprintf("sample_%02d", len(runs.Content))}, labels...)
		}
		name := &yaml.Node{Kind: yaml.ScalarNode, Value: strings.Join(labels, "-")}
		run.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Value: "name"}, name}, run.Content...)
		runs.Content = append(runs.Content, run)
	}
	return runs, nil
}

// sweepPath resolves a parameter's name to its path in the file: bare
// phase fields and phases by index or by kind become phases by name; a
// dataset by name is the file's single dataset when it has one.
func (l *loader) sweepPath(root *yaml.Node, key *yaml.Node) ([]string, error) {
	path := strings.Split(snakePath(key.Value), ".")
	if len(path) == 1 && slices.Contains(phaseSugar, path[0]) {
		path = []string{"phases", "profiling", path[0]}
	}
	body := root
	if b := mapValue(root, "benchmark"); b != nil {
		body = b
	}
	switch {
	case len(path) >= 3 && path[0] == "phases":
		phases := mapValue(body, "phases")
		if phases == nil || phases.Kind != yaml.SequenceNode {
			return append([]string{"phases"}, path[2:]...), nil // a flat phases mapping: the one profiling phase
		}
		name, err := l.phaseByRef(phases, path[1], key)
		if err != nil {
			return nil, err
		}
		return append([]string{"phases", "#" + name}, path[2:]...), nil
	case len(path) >= 3 && path[0] == "datasets" && mapValue(body, "datasets") == nil:
		return append([]string{"dataset"}, path[2:]...), nil
	case len(path) >= 3 && path[0] == "datasets":
		return append([]string{"datasets", "#" + path[1]}, path[2:]...), nil
	}
	return path, nil
}

// phaseByRef names the phase a sweep path means: its index, its name, or
// "profiling" for the one profiling phase.
func (l *loader) phaseByRef(phases *yaml.Node, ref string, key *yaml.Node) (string, error) {
	var profiling []string
	for i, ph := range phases.Content {
		name := ""
		if n := mapValue(ph, "name"); n != nil {
			name = n.Value
		}
		if strconv.Itoa(i) == ref || name == ref {
			return name, nil
		}
		kind := mapValue(ph, "kind")
		excluded := mapValue(ph, "exclude_from_results")
		if name != "warmup" && (kind == nil || kind.Value == "profiling") && (excluded == nil || excluded.Value != "true") {
			profiling = append(profiling, name)
		}
	}
	if ref == "profiling" && len(profiling) == 1 {
		return profiling[0], nil
	}
	return "", l.errorf(key, "sweep.parameters.%s: no phase %q here (a phase's index, its name, or profiling for the one profiling phase)", key.Value, ref)
}

// setPath sets value v at path below mapping m; a "#name" step is the
// item of that name in a list. The nodes made carry the parameter's line,
// for the messages about them.
func setPath(m *yaml.Node, path []string, v *yaml.Node, line int) {
	node := func(kind yaml.Kind, value string) *yaml.Node { return &yaml.Node{Kind: kind, Value: value, Line: line} }
	key := node(yaml.ScalarNode, path[0])
	if len(path) == 1 {
		m.Content = append(m.Content, key, v)
		return
	}
	if strings.HasPrefix(path[1], "#") {
		item := node(yaml.MappingNode, "")
		item.Content = []*yaml.Node{node(yaml.ScalarNode, "name"), node(yaml.ScalarNode, path[1][1:])}
		if len(path) > 2 {
			setPath(item, path[2:], v, line)
		}
		list := node(yaml.SequenceNode, "")
		list.Content = []*yaml.Node{item}
		m.Content = append(m.Content, key, list)
		return
	}
	child := node(yaml.MappingNode, "")
	setPath(child, path[1:], v, line)
	m.Content = append(m.Content, key, child)
}

var unsafeLabel = regexp.MustCompile(`[^A-Za-z0-9_.]+`)

// pointLabel names a point's value of a parameter: the field's last name
// and the value (its index for a mapping, such as a distribution).
func pointLabel(path []string, v *yaml.Node, i int) string {
	val := fmt.Sprint(i + 1)
	if v.Kind == yaml.ScalarNode {
		val = unsafeLabel.ReplaceAllString(v.Value, "_")
	}
	return path[len(path)-1] + "_" + val
}
