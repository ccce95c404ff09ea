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

// OptionalValues gives --gpu-telemetry its value when it is given alone
// (AIPerf's form: the default DCGM ports): kong flags always take one.
func OptionalValues(args []string) []string {
	out := make([]string, 0, len(args)+1)
	for i, a := range args {
		out = append(out, a)
		if a == "--gpu-telemetry" && (i+1 == len(args) || strings.HasPrefix(args[i+1], "-")) {
			out = append(out, "default")
		}
	}
	return out
}

// MarkGiven notes which of the flags whose defaults mean something else
// when given were on the command line (given: by canonical name).
func (p *Profile) MarkGiven(given map[string]bool) {
	p.ArtifactDirSet = given["output-artifact-dir"]
	p.ArrivalPatternSet = given["arrival-pattern"]
	p.ContextModeSet = given["conversation-context-mode"]
	p.SamplingSet = given["dataset-sampling-strategy"]
}
