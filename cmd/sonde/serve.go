package main

import (
	"context"
	"fmt"
	"net"
	"os/signal"
	"syscall"
	"time"

	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/sim/httpapi"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

type serveCmd struct {
	Host           string        `default:"127.0.0.1" help:"Address to listen on."`
	Port           int           `default:"8000" help:"Port to listen on (0 picks a free one)."`
	TTFT           time.Duration `name:"ttft" default:"20ms" help:"Time to first token."`
	ITL            time.Duration `name:"itl" default:"5ms" help:"Time between output tokens."`
	Seed           uint64        `default:"0" help:"Seed for the generated answers."`
	Model          string        `default:"sonde-sim" help:"Model name reported by /v1/models (any name is accepted in requests)."`
	Tokenizer      string        `default:"builtin" help:"Tokenizer for usage counts and answers: builtin or a tokenizer.json path."`
	RecordRequests string        `name:"record-requests" placeholder:"FILE" help:"Append every request (time, headers, body) to this JSONL file."`
}

func (s *serveCmd) run(e env) error {
	opts := sim.Options{TTFT: s.TTFT, ITL: s.ITL, Seed: s.Seed, Model: s.Model, Tokenizer: s.Tokenizer, RecordPath: s.RecordRequests}
	srv, err := newSim(opts)
	if err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	addr := net.JoinHostPort(s.Host, fmt.Sprint(s.Port))
	return srv.Serve(ctx, addr, func(a net.Addr) {
		fmt.Fprintf(e.stdout, "sonde serve listening on http://%s (ttft %v, itl %v)\n", a, s.TTFT, s.ITL)
	})
}

func newSim(opts sim.Options) (*httpapi.Server, error) {
	res, err := tokenizer.Resolve(opts.Tokenizer, func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	if res.Fallback != "" && opts.Tokenizer != tokenizer.BuiltinName {
		return nil, fmt.Errorf("simulator tokenizer %q: %s", opts.Tokenizer, res.Fallback)
	}
	return httpapi.New(opts, res.Tokenizer)
}
