package httpapi

import (
	"context"
	"fmt"
	"net"

	"github.com/sonde-bench/sonde/internal/sim"
)

// Running is a simulator a sim:// URL started in-process on a loopback
// port.
type Running struct {
	Addr net.Addr
	// Tokenizer is the simulated model's tokenizer; Description says how
	// the simulator is configured (for the log).
	Tokenizer, Description string
	// Done delivers Serve's result once the context given to StartURL
	// ends and the server has flushed its record file.
	Done <-chan error
}

// BadURLError is a sim:// URL that does not parse or configure a
// simulator: the user's input, not a failure of the machine.
type BadURLError struct{ Err error }

func (e BadURLError) Error() string { return e.Err.Error() }
func (e BadURLError) Unwrap() error { return e.Err }

// StartURL starts the simulator a sim:// URL describes on a loopback port
// and returns once it listens; it stops when ctx ends.
func StartURL(ctx context.Context, raw string) (*Running, error) {
	opts, err := sim.ParseURL(raw)
	if err != nil {
		return nil, BadURLError{err}
	}
	srv, err := Open(opts)
	if err != nil {
		return nil, BadURLError{fmt.Errorf("--url %s: %w", raw, err)}
	}
	ready := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ctx, "127.0.0.1:0", func(a net.Addr) { ready <- a }) }()
	select {
	case a := <-ready:
		return &Running{Addr: a, Tokenizer: opts.Tokenizer, Description: opts.Describe(), Done: errc}, nil
	case err := <-errc:
		return nil, fmt.Errorf("--url %s: %w", raw, err)
	}
}
