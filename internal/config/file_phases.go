package config

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A config file with several profiling phases (AIPerf's multi-phase
// workflows) and several named datasets: the first profiling phase and its
// dataset are the run's flags; every later profiling phase becomes a
// --phase, with its dataset's flags when it names another dataset.

type namedDataset struct {
	name string
	node *yaml.Node
}

type pendingPhase struct {
	node   *yaml.Node
	fields map[string]*yaml.Node
}

// namedDatasets keeps a `datasets:` list of several by name, to be read
// once the phases say which one each uses.
func (l *loader) namedDatasets(v *yaml.Node) error {
	for _, d := range v.Content {
		if d.Kind != yaml.MappingNode {
			return l.errorf(d, "datasets[] must be a mapping")
		}
		name := ""
		for i := 0; i+1 < len(d.Content); i += 2 {
			if d.Content[i].Value == "name" {
				name = d.Content[i+1].Value
			}
		}
		if name == "" {
			return l.errorf(d, "datasets[]: a list of several needs a name on each, for the phases to choose")
		}
		if l.namedDataset(name) != nil {
			return l.errorf(d, "datasets[]: a second dataset named %s", name)
		}
		l.datasets = append(l.datasets, namedDataset{name, d})
	}
	return nil
}

func (l *loader) namedDataset(name string) *yaml.Node {
	for _, d := range l.datasets {
		if d.name == name {
			return d.node
		}
	}
	return nil
}

// finishPhases reads the run's dataset and the later profiling phases.
func (l *loader) finishPhases() error {
	primary := ""
	if len(l.datasets) > 0 {
		primary = l.datasets[0].name
		if l.primary != nil {
			primary = l.primary.Value
		}
		node := l.namedDataset(primary)
		if node == nil {
			return l.errorf(l.primary, "dataset %q: no dataset of that name (datasets: %s)", primary, l.datasetNames())
		}
		if err := l.dataset(node); err != nil {
			return err
		}
	}
	if w := l.warmData; w != nil && len(l.datasets) > 0 && w.Value != primary {
		l.warnf(w, "warmup.dataset %s: sonde's warm-up sends the first profiling phase's dataset (%s)", w.Value, primary)
	}
	var specs []any
	for _, ph := range l.more {
		spec, err := l.phaseSpec(ph, primary)
		if err != nil {
			return err
		}
		specs = append(specs, spec)
	}
	if len(specs) > 0 {
		l.out.Flags["phase"] = specs
	}
	return nil
}

func (l *loader) datasetNames() string {
	var names []string
	for _, d := range l.datasets {
		names = append(names, d.name)
	}
	return strings.Join(names, ", ")
}

// phaseSpec is a later profiling phase as --phase NAME:KEY=V;…: the flags
// its fields set, and those of its dataset when it names another one.
func (l *loader) phaseSpec(ph pendingPhase, primary string) (string, error) {
	sub := &loader{path: l.path, out: &FileValues{Flags: map[string]any{}}, flags: l.flags}
	n := ph.fields["name"]
	if n == nil {
		return "", l.errorf(ph.node, "a profiling phase after the first needs a name")
	}
	name := n.Value
	if err := sub.profilingPhase(ph.node, ph.fields); err != nil {
		return "", err
	}
	if d := ph.fields["dataset"]; d != nil && d.Value != primary {
		node := l.namedDataset(d.Value)
		if node == nil {
			return "", l.errorf(d, "dataset %q: no dataset of that name (datasets: %s)", d.Value, l.datasetNames())
		}
		if err := sub.dataset(node); err != nil {
			return "", err
		}
		sub.out.Flags["dataset"] = d.Value
	}
	l.out.Warnings = append(l.out.Warnings, sub.out.Warnings...)
	delete(sub.out.Flags, "count-or-duration") // every phase's stop conditions: the first reached wins
	if n := ph.fields["seamless"]; n != nil {
		sub.out.Flags["seamless"] = n.Value
	}
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(sub.out.Flags)) {
		v, ok := sub.out.Flags[k].(string)
		if !ok {
			return "", l.errorf(ph.node, "phase %s: %s cannot differ from one phase to another", name, k)
		}
		pairs = append(pairs, k+"="+strings.ReplaceAll(v, ";", `\;`))
	}
	return name + ":" + strings.Join(pairs, ";"), nil
}
