package config

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ardanlabs/jinja"
	"go.yaml.in/yaml/v3"
)

// expandVariables renders the {{ }} expressions of a config file with its
// `variables:` section, as AIPerf does after the ${VAR} substitution:
//
//	variables: {base_concurrency: 16, isl_target: 512}
//	...
//	concurrency: "{{ base_concurrency // 2 }}"
//
// Numbers stay numbers in the expressions (// is integer division). Only a
// file with a variables section is rendered, and never its `sonde:`
// section or `endpoint.extra`, where a --endpoint-type template's payload
// is itself a Jinja template, rendered per request.
func (l *loader) expandVariables(root *yaml.Node) error {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	vars := mapValue(root, "variables")
	if vars == nil {
		return nil
	}
	if vars.Kind != yaml.MappingNode {
		return l.errorf(vars, "variables must be a mapping")
	}
	ctx, err := l.variables(vars)
	if err != nil {
		return err
	}
	l.vars = ctx
	return l.render(root, ctx, "")
}

// variables renders the variables section: a variable may be computed
// from others, in any order; one that never resolves (a cycle, a name
// nobody defines) is an error naming it.
func (l *loader) variables(vars *yaml.Node) (map[string]any, error) {
	ctx := map[string]any{}
	pending := map[string]*yaml.Node{}
	for i := 0; i+1 < len(vars.Content); i += 2 {
		k, v := vars.Content[i].Value, vars.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return nil, l.errorf(v, "variables.%s must be a number, a string or a boolean", k)
		}
		pending[k] = v
	}
	for len(pending) > 0 {
		progress := false
		for _, k := range slices.Sorted(maps.Keys(pending)) {
			v := pending[k]
			if undefinedName(v.Value, ctx) != nil {
				continue // waits for another variable
			}
			if err := l.render(v, ctx, "variables."+k); err != nil {
				return nil, err
			}
			ctx[k], progress = typed(v.Value), true
			delete(pending, k)
		}
		if !progress {
			k := slices.Sorted(maps.Keys(pending))[0]
			defined := map[string]any{}
			for n := range pending {
				defined[n] = nil
			}
			for n := range ctx {
				defined[n] = nil
			}
			if err := undefinedName(pending[k].Value, defined); err != nil {
				return nil, l.errorf(pending[k], "variables.%s: %v", k, err)
			}
			return nil, l.errorf(pending[k], "variables.%s: its value depends on itself through other variables", k)
		}
	}
	return ctx, nil
}

// typed reads a variable's value as YAML would: an integer, a float, a
// boolean, or else a string.
func typed(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	if b, err := strconv.ParseBool(s); err == nil {
		return b
	}
	return s
}

// render replaces each scalar's {{ }} by its value, below n (at path).
func (l *loader) render(n *yaml.Node, ctx map[string]any, path string) error {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := snake(n.Content[i].Value)
			p := strings.TrimPrefix(path+"."+k, ".")
			// artifacts.user_files are rendered when the run starts, with
			// what only it knows (epoch, artifact_dir).
			if p == "variables" || p == "sonde" || strings.HasSuffix(p, "endpoint.extra") || strings.HasSuffix(p, "artifacts.user_files") {
				continue
			}
			if err := l.render(n.Content[i+1], ctx, p); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := l.render(c, ctx, path); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "{{") {
			return nil
		}
		if err := undefinedName(n.Value, ctx); err != nil {
			return l.errorf(n, "%s: %v", path, err)
		}
		t, err := jinja.Compile(n.Value)
		if err != nil {
			return l.errorf(n, "%s: %q: %v", path, n.Value, err)
		}
		out, err := t.Render(ctx)
		if err == nil && strings.TrimSpace(out) == "" {
			return l.errorf(n, "%s: %q renders empty: is a name missing from variables?", path, n.Value)
		}
		if err != nil {
			return l.errorf(n, "%s: %q: %v", path, n.Value, err)
		}
		n.Value = strings.TrimSpace(out)
	}
	return nil
}
