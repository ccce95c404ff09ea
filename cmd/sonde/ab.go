package main

import "errors"

// abCmd is `sonde ab`: its arguments are sonde profile's flags, read as
// `sonde profile --ab …` (abArgs), so A/B takes every flag a run takes;
// the command exists for --help and the command list.
type abCmd struct {
	Args []string `arg:"" optional:"" passthrough:"" help:"sonde profile's flags, with --url A --url B, --ab-blocks, --ab-effect, --strict."`
}

func (c *abCmd) Run(e env) error {
	return usageError{Err: errors.New("sonde ab runs through sonde profile's flags: sonde ab --model M --url A --url B …")}
}

// abArgs makes `sonde ab FLAGS` into `sonde profile --ab FLAGS` (not its
// help, which the command shows).
func abArgs(args []string) []string {
	if len(args) == 0 || args[0] != "ab" {
		return args
	}
	for _, a := range args[1:] {
		if a == "--help" || a == "-h" {
			return args
		}
	}
	return append([]string{"profile", "--ab"}, args[1:]...)
}
