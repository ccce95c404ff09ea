// Package client is a run's side of the conversation with its servers: the
// measuring HTTP client, set up from the plan (its connection limits, SigV4
// signing, connections opened ahead), and the requests sent outside the
// measurement — is the server ready, reset its prefix cache, is its clock
// ours, start its profiler — and when profiling may start (--start-at, the
// shards' barrier). Nothing here is measured.
package client

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/transport"
)

// Say is where the client tells what it did: the run's log, and its
// warnings.
type Say struct {
	Info func(string)
	Warn func(string)
}

func (s Say) infof(format string, a ...any) { s.Info(fmt.Sprintf(format, a...)) }

// Options are what the client takes from the process besides the plan.
type Options struct {
	Clock  clock.Clock
	Getenv func(string) string // the AWS credentials' environment
	Dir    string              // the folder relative paths are under (--start-barrier)
	// Shared, when set, is a client kept from one run to the next (a
	// capacity search's probes share its open connections).
	Shared *Shared
	Say    Say
}

// Client is a run's HTTP client and what it asks its servers beside the
// measured requests.
type Client struct {
	// HTTP sends the measured requests.
	HTTP   *transport.Client
	plan   *plan.Plan
	p      *config.Profile
	clk    clock.Clock
	dir    string
	sigv4  *transport.SigV4 // --auth-type sigv4; nil: requests unsigned
	say    Say
	shared bool
}

// Shared is a client kept from one run to the next, with the clock its
// times are on.
type Shared struct {
	clk    clock.Clock
	client *transport.Client
}

// Close closes the shared client's idle connections.
func (s *Shared) Close() {
	if s.client != nil {
		s.client.CloseIdle()
	}
}

// New sets up the client of a run of pl: its clock and HTTP client (or the
// shared ones), request signing, and --warmup-connections opened.
func New(ctx context.Context, pl *plan.Plan, o Options) (*Client, error) {
	c := &Client{plan: pl, p: pl.Flags(), clk: o.Clock, dir: o.Dir, say: o.Say, shared: o.Shared != nil}
	if err := c.setUpSigning(o.Getenv); err != nil {
		return nil, err
	}
	conns := pl.Concurrency()
	if conns == 0 {
		conns = 1024
	}
	if s := o.Shared; s != nil {
		if s.client == nil {
			s.clk = o.Clock
			s.client = c.newTransport(max(conns, 1024))
		}
		c.clk, c.HTTP = s.clk, s.client
	} else {
		c.HTTP = c.newTransport(conns)
	}
	limit := pl.Concurrency()
	if w := c.p.WarmupConcurrency; w != nil && limit > 0 {
		limit = max(limit, *w) // a warm-up at a higher concurrency
	}
	c.HTTP.LimitConns(limit) // sessions in flight never need more
	paced := 0
	if pl.Rate() > 0 {
		paced = transport.PacedDials // a client behind its schedule must not dial for every due arrival
	}
	c.HTTP.BoundDials(paced)
	if n := c.p.WarmupConnections; n > 0 {
		if err := c.HTTP.Warm(ctx, pl.URLs(), n); err != nil {
			return nil, err
		}
		c.say.infof("Opened %d connections to each server before profiling (--warmup-connections)", n)
	}
	return c, nil
}

func (c *Client) newTransport(conns int) *transport.Client {
	t := transport.NewClient(c.clk, conns)
	if c.p.HTTPClient == "lean" {
		t.UseLean()
	}
	return t
}

// Clock is the clock the client's times are on (the shared client's, when
// it is shared).
func (c *Client) Clock() clock.Clock { return c.clk }

// Close closes the idle connections of a client of its own (a shared one
// stays open for the next run).
func (c *Client) Close() {
	if !c.shared {
		c.HTTP.CloseIdle()
	}
}

func (c *Client) now() time.Time { return c.clk.Time(c.clk.Now()) }

// Signed is a phase's configuration with its requests signed by --auth-type
// sigv4 (unchanged without it).
func (c *Client) Signed(cfg engine.Config) engine.Config {
	if c.sigv4 != nil {
		header := cfg.Header
		cfg.Sign = func(url string, own []transport.HeaderField, body []byte) ([]transport.HeaderField, error) {
			return c.sigv4.Sign(http.MethodPost, url, header, own, body, c.now())
		}
	}
	return cfg
}

// setUpSigning loads the AWS credentials for --auth-type sigv4 and says
// where they came from (never what they are).
func (c *Client) setUpSigning(getenv func(string) string) error {
	region, service, on := c.p.Signing()
	if !on {
		return nil
	}
	creds, from, err := transport.LoadAWSCredentials(getenv, os.ReadFile)
	if err != nil {
		return plan.UsageError{Err: err}
	}
	c.sigv4 = transport.NewSigV4(creds, region, service)
	c.say.infof("Signing every request with AWS SigV4 for %s in %s, with the credentials of %s", service, region, from)
	return nil
}
