package main

import (
	"errors"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
)

// configFile loads the -f/--config file of `sonde profile`, if one is
// given. It is read before the flags are parsed so that its values sit
// under them: a flag on the command line wins.
func configFile(args []string, getenv func(string) string) (*config.FileValues, error) {
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
	return config.LoadFile(path, lookup)
}

// printConfig writes the options as a config file (--print-config).
func printConfig(e env, p *config.Profile) error {
	var defaults cli
	if _, code := parse(env{Args: []string{"profile"}, Stdout: e.Stderr, Stderr: e.Stderr}, &defaults, nil); code >= 0 {
		return errors.New("--print-config: the defaults could not be read")
	}
	out, err := config.PrintConfig(p, &defaults.Profile)
	if err != nil {
		return err
	}
	_, err = e.Stdout.Write(out)
	return err
}

// optionalValues gives --gpu-telemetry its value when it is given alone
// (AIPerf's form: the default DCGM ports): kong flags always take one.
func optionalValues(args []string) []string {
	out := make([]string, 0, len(args)+1)
	for i, a := range args {
		out = append(out, a)
		if a == "--gpu-telemetry" && (i+1 == len(args) || strings.HasPrefix(args[i+1], "-")) {
			out = append(out, "default")
		}
	}
	return out
}
