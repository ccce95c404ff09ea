package main

import (
	"fmt"
	"os"

	"github.com/alecthomas/kong"
	"github.com/sonde-bench/sonde/internal/config"
)

type cli struct {
	Profile config.Profile `cmd:"" help:"Benchmark an OpenAI-compatible server (drop-in for 'aiperf profile')."`
}

func main() {
	var c cli
	ctx := kong.Parse(&c, kong.Name("sonde"))
	fmt.Printf("%s %+v\n", ctx.Command(), c.Profile)
	_ = os.Stdout
}
