package main

import (
	"errors"

	"github.com/sonde-bench/sonde/internal/config"
)

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
