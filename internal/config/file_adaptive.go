package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// adaptiveScale reads a profiling phase's adaptive_scale block into the
// --adaptive-scale flags.
func (l *loader) adaptiveScale(v *yaml.Node) error {
	const where = "adaptive_scale"
	known := []string{"enabled", "control", "assessment_period", "min_completed_requests", "sustain_duration", "strategy"}
	l.out.Flags["adaptive-scale"] = "true"
	return l.fields(v, where, known, func(k string, n *yaml.Node) error {
		switch k {
		case "enabled":
			return l.set("adaptive-scale", n, where+".enabled")
		case "control":
			c := map[string]string{}
			err := l.fields(n, where+".control", []string{"variable", "min", "max", "type"}, func(k string, n *yaml.Node) error {
				s, err := l.scalar(n, where+".control."+k)
				c[k] = s
				return err
			})
			if err == nil {
				l.out.Flags["adaptive-scale-control"] = fmt.Sprintf("%s:%s,%s", c["variable"], c["min"], c["max"])
			}
			return err
		case "assessment_period":
			return l.seconds("adaptive-scale-assessment-period", n, where+"."+k)
		case "sustain_duration":
			return l.seconds("adaptive-sustain-duration", n, where+"."+k)
		case "min_completed_requests":
			return l.set("adaptive-scale-min-completed-requests", n, where+"."+k)
		}
		flags := map[string]string{"step_policy": "adaptive-scale-step-policy", "step_percent": "adaptive-scale-step-percent",
			"base_step": "adaptive-scale-base-step", "max_step_multiplier": "adaptive-scale-max-step-multiplier"}
		return l.fields(n, where+".strategy", []string{"type", "step_policy", "step_percent", "base_step", "max_step_multiplier"}, func(k string, n *yaml.Node) error {
			if k == "type" {
				if n.Value != "ramp_until_fail" {
					return l.errorf(n, "%s.strategy.type %q: sonde's adaptive scale is ramp_until_fail", where, n.Value)
				}
				return nil
			}
			return l.set(flags[k], n, where+".strategy."+k)
		})
	})
}

// phaseSLA reads a phase's sla block — metric: {stat: {op: value}} — into
// --adaptive-scale-sla values.
func (l *loader) phaseSLA(v *yaml.Node) error {
	if v.Kind != yaml.MappingNode {
		return l.errorf(v, "sla must be a mapping of metric: {stat: {op: value}}")
	}
	var out []any
	for i := 0; i+1 < len(v.Content); i += 2 {
		metric, statNode := v.Content[i].Value, v.Content[i+1]
		if statNode.Kind != yaml.MappingNode {
			return l.errorf(statNode, "sla.%s must be a mapping of stat: {op: value}", metric)
		}
		for j := 0; j+1 < len(statNode.Content); j += 2 {
			stat, opNode := statNode.Content[j].Value, statNode.Content[j+1]
			if opNode.Kind != yaml.MappingNode {
				return l.errorf(opNode, "sla.%s.%s must be a mapping of op: value", metric, stat)
			}
			for k := 0; k+1 < len(opNode.Content); k += 2 {
				s := fmt.Sprintf("%s:%s:%s:%s", metric, stat, opNode.Content[k].Value, opNode.Content[k+1].Value)
				if _, err := parseAdaptiveSLA(s); err != nil {
					return l.errorf(opNode.Content[k], "sla: %v", err)
				}
				out = append(out, s)
			}
		}
	}
	l.out.Flags["adaptive-scale-sla"] = out
	return nil
}
