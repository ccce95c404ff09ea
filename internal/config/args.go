package config

import "strings"

// FileOf loads the -f/--config file of `sonde profile`, if one is
// given. It is read before the flags are parsed so that its values sit
// under them: a flag on the command line wins.
func FileOf(args []string, getenv func(string) string) (*FileValues, error) {
	if len(args) == 0 || args[0] != "profile" {
		return nil, nil
	}
	path := ""
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			i = len(args)
		case (a == "-f" || a == "--config") && i+1 < len(args):
			path = args[i+1]
			i++
		case strings.HasPrefix(a, "--config="):
			path = strings.TrimPrefix(a, "--config=")
		case strings.HasPrefix(a, "-f") && len(a) > 2 && !strings.HasPrefix(a, "--"):
			path = strings.TrimPrefix(a[2:], "=")
		}
	}
	if path == "" {
		return nil, nil
	}
	lookup := func(k string) (string, bool) {
		v := getenv(k)
		return v, v != ""
	}
	return LoadFile(path, lookup)
}

// OptionalValues rewrites AIPerf's argument forms kong cannot read:
// --gpu-telemetry given alone (the default DCGM ports) gets its value, and
// the space-separated values of --stream (metrics timing) and
// --otel-resource-attributes (a=b c=d) are joined with commas.
func OptionalValues(args []string) []string {
	out := make([]string, 0, len(args)+1)
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		switch {
		case a == "--gpu-telemetry" && (i+1 == len(args) || strings.HasPrefix(args[i+1], "-")):
			out = append(out, "default")
		case a == "--stream" || a == "--otel-resource-attributes":
			var vs []string
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && (len(vs) == 0 || a == "--stream" && streamDomain(args[i+1]) || a != "--stream" && strings.Contains(args[i+1], "=")) {
				vs = append(vs, args[i+1])
				i++
			}
			if len(vs) > 0 {
				out = append(out, strings.Join(vs, ","))
			}
		}
	}
	return out
}

func streamDomain(s string) bool { return s == "metrics" || s == "timing" || s == "default" }

// MarkGiven notes which of the flags whose defaults mean something else
// when given were on the command line (given: by canonical name).
func (p *Profile) MarkGiven(given map[string]bool) {
	p.ArtifactDirSet = given["output-artifact-dir"]
	p.ArrivalPatternSet = given["arrival-pattern"]
	p.SearchMaxSet = given["search-max-iterations"]
	p.ContextModeSet = given["conversation-context-mode"]
	p.SamplingSet = given["dataset-sampling-strategy"]
}
