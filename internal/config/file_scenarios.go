package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"go.yaml.in/yaml/v3"
)

// A scenario sweep (sweep: {type: scenarios, runs: [{name, …}]}) runs the
// file once per scenario, each deep-merged into the file: mappings merge
// key by key, lists of named items (phases, datasets) item by name, and
// anything else is replaced. Each scenario becomes a --sweep-scenario: the
// flags its merged file sets differently from the file's own.

// scenarios reads the runs against the document's root.
func (l *loader) scenarios(root *yaml.Node) error {
	runs := l.scenarioRuns
	if runs.Kind != yaml.SequenceNode || len(runs.Content) == 0 {
		return l.errorf(runs, "sweep.runs must be a list of scenarios, each with a name")
	}
	base := l.out.Flags
	var out []any
	for _, run := range runs.Content {
		name, body, err := l.scenarioBody(run)
		if err != nil {
			return err
		}
		merged := cloneNode(root)
		dropKey(merged, "sweep")
		into := merged
		if b := mapValue(merged, "benchmark"); b != nil {
			into = b // the run's body keys go where the file's body is
		}
		for i := 0; i+1 < len(body.Content); i += 2 {
			k, v := body.Content[i], body.Content[i+1]
			target := into
			if slices.Contains(rootKeys, snake(k.Value)) {
				target = merged
			}
			mergeKey(target, k, v)
		}
		sub := l.child()
		if err := sub.load(merged); err != nil {
			return fmt.Errorf("scenario %s: %w", name, err)
		}
		changed := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(sub.out.Flags)) {
			if fmt.Sprint(sub.out.Flags[k]) != fmt.Sprint(base[k]) {
				changed[k] = sub.out.Flags[k]
			}
		}
		for k := range base {
			if _, ok := sub.out.Flags[k]; !ok {
				changed[k] = nil // back to its default
			}
		}
		b, _ := json.Marshal(Scenario{Name: name, Flags: changed})
		out = append(out, string(b))
	}
	l.out.Flags["sweep-scenario"] = out
	return nil
}

// scenarioBody is a run's name and the rest of its mapping.
func (l *loader) scenarioBody(run *yaml.Node) (string, *yaml.Node, error) {
	if run.Kind != yaml.MappingNode {
		return "", nil, l.errorf(run, "sweep.runs[] must be a mapping with a name")
	}
	body := &yaml.Node{Kind: yaml.MappingNode}
	name := ""
	for i := 0; i+1 < len(run.Content); i += 2 {
		if run.Content[i].Value == "name" {
			name = run.Content[i+1].Value
			continue
		}
		body.Content = append(body.Content, run.Content[i], run.Content[i+1])
	}
	if name == "" {
		return "", nil, l.errorf(run, "sweep.runs[]: each scenario needs a name")
	}
	return name, body, nil
}

// mergeKey deep-merges value v under key k into mapping m.
func mergeKey(m, k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if snake(m.Content[i].Value) == snake(k.Value) {
			m.Content[i+1] = mergeNode(m.Content[i+1], v)
			return
		}
	}
	m.Content = append(m.Content, k, v)
}

// mergeNode is b merged over a; a sampling distribution replaces the
// one it meets whole ({mean, median} over {mean, stddev} is a log-normal,
// not a mixture of both).
func mergeNode(a, b *yaml.Node) *yaml.Node {
	switch {
	case isDist(b):
		return b
	case a.Kind == yaml.MappingNode && b.Kind == yaml.MappingNode:
		out := cloneNode(a)
		for i := 0; i+1 < len(b.Content); i += 2 {
			mergeKey(out, b.Content[i], b.Content[i+1])
		}
		return out
	case a.Kind == yaml.SequenceNode && b.Kind == yaml.SequenceNode && named(a) && named(b):
		out := cloneNode(a)
		for _, item := range b.Content {
			if j := slices.IndexFunc(out.Content, func(x *yaml.Node) bool { return mapValue(x, "name").Value == mapValue(item, "name").Value }); j >= 0 {
				out.Content[j] = mergeNode(out.Content[j], item)
			} else {
				out.Content = append(out.Content, item)
			}
		}
		return out
	case a.Kind == yaml.MappingNode && b.Kind == yaml.SequenceNode && named(b): // datasets by name, merged into a list
		return mergeNode(namedList(a), b)
	}
	return b
}

// distKeys are the keys of AIPerf's sampling distributions.
var distKeys = []string{"value", "mean", "stddev", "median", "p50", "p99", "peaks", "points", "weight", "min", "max", "type"}

func isDist(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		if !slices.Contains(distKeys, snake(n.Content[i].Value)) {
			return false
		}
	}
	return true
}

// named: a list of mappings that each have a name.
func named(n *yaml.Node) bool {
	for _, x := range n.Content {
		if x.Kind != yaml.MappingNode || mapValue(x, "name") == nil {
			return false
		}
	}
	return len(n.Content) > 0
}

// namedList turns a mapping of names to mappings into a list of named
// mappings (AIPerf's two forms of datasets:).
func namedList(m *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.SequenceNode, Line: m.Line, Column: m.Column}
	for i := 0; i+1 < len(m.Content); i += 2 {
		item := cloneNode(m.Content[i+1])
		if item.Kind == yaml.MappingNode && mapValue(item, "name") == nil {
			item.Content = append([]*yaml.Node{{Kind: yaml.ScalarNode, Value: "name", Line: m.Content[i].Line}, m.Content[i]}, item.Content...)
		}
		out.Content = append(out.Content, item)
	}
	return out
}

// mapValue is the value under key (snake_case or camelCase) of mapping m.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if snake(m.Content[i].Value) == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func dropKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if snake(m.Content[i].Value) == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return
		}
	}
}

// cloneNode copies a node deeply, so merging never changes the file's.
func cloneNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = cloneNode(x)
	}
	return &c
}
