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
		if n := mapValue(d, "name"); n != nil {
			name = n.Value
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
		if err := l.warmupData(w); err != nil {
			return err
		}
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

// child is a loader of the same file into flags of its own (a phase's,
// the warm-up's dataset, a scenario's merged file).
func (l *loader) child() *loader {
	return &loader{path: l.path, out: &FileValues{Flags: map[string]any{}}, flags: l.flags}
}

// warmupData gives the warm-up the dataset it names (--warmup-dataset).
func (l *loader) warmupData(name *yaml.Node) error {
	node := l.namedDataset(name.Value)
	if node == nil {
		return l.errorf(name, "dataset %q: no dataset of that name (datasets: %s)", name.Value, l.datasetNames())
	}
	sub := l.child()
	if err := sub.dataset(node); err != nil {
		return err
	}
	spec, err := l.flagPairs(sub.out.Flags, node, "the warm-up")
	l.out.Flags["warmup-dataset"] = spec
	return err
}

// flagPairs writes flags as KEY=V;… (a ';' in a value escaped). A
// dataset's random_seed is left out: the run's seed governs every phase
// (each drawing with a salt of its own).
func (l *loader) flagPairs(flags map[string]any, at *yaml.Node, what string) (string, error) {
	delete(flags, "random-seed")
	var out []string
	for _, k := range slices.Sorted(maps.Keys(flags)) {
		v, ok := flags[k].(string)
		if !ok {
			return "", l.errorf(at, "%s: %s cannot differ from one phase to another", what, k)
		}
		out = append(out, k+"="+strings.ReplaceAll(v, ";", `\;`))
	}
	return strings.Join(out, ";"), nil
}

// phaseSpec is a later profiling phase as --phase NAME:KEY=V;…: the flags
// its fields set, and those of its dataset when it names another one.
func (l *loader) phaseSpec(ph pendingPhase, primary string) (string, error) {
	sub := l.child()
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
	pairs, err := l.flagPairs(sub.out.Flags, ph.node, "phase "+name)
	return name + ":" + pairs, err
}
