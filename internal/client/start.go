package client

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/sonde-bench/sonde/internal/barrier"
	"github.com/sonde-bench/sonde/internal/plan"
)

// WaitForStart holds the profiling phase until --start-at, or until every
// shard has passed --start-barrier and their common instant comes, and
// warns when this process got there late (its preparation took too long, or
// its clock is off). A barrier that fails (a shard never came) is an error:
// the phase must not start.
func (c *Client) WaitForStart(ctx context.Context) error {
	at, _ := plan.StartAt(c.p.StartAt) // checked before
	what := "--start-at"
	if c.p.StartBarrier != "" {
		what = "--start-barrier"
		var err error
		if at, err = c.passBarrier(ctx); err != nil {
			return err
		}
	}
	if at.IsZero() {
		return nil
	}
	c.checkClock(ctx) // before the wait: the start itself is not delayed
	if d := at.Sub(c.now()); d > 0 {
		c.say.infof("Waiting %.1f s for %s %s", d.Seconds(), what, at.UTC().Format(time.RFC3339Nano))
		if barrier.Sleep(ctx, d) != nil {
			return nil // interrupted: the phase sees the same context
		}
	}
	if late := c.now().Sub(at); late > 50*time.Millisecond {
		c.say.Warn(fmt.Sprintf("%s: profiling started %.0f ms late (the start was too close to prepare in time, or this machine's clock is off).", what, float64(late)/1e6))
	}
	return nil
}

// passBarrier announces this shard in --start-barrier's folder and returns
// the instant every shard starts at; an interrupted wait returns no instant
// and no error (the phase sees the interrupt).
func (c *Client) passBarrier(ctx context.Context) (time.Time, error) {
	host, _ := os.Hostname()
	index, count := c.plan.Shard()
	b := &barrier.Barrier{Backend: barrier.Dir(plan.Env{Dir: c.dir}.Under(c.p.StartBarrier)), Index: index, Count: count, Host: host,
		Margin:  time.Duration(c.p.StartBarrierMargin * float64(time.Second)),
		Timeout: time.Duration(c.p.StartBarrierTimeout * float64(time.Second)),
		Poll:    200 * time.Millisecond, Now: c.now, Sleep: barrier.Sleep}
	c.say.infof("Start barrier: shard %d of %d ready; waiting for the others in %s", index, count, c.p.StartBarrier)
	at, err := b.Wait(ctx)
	if err != nil && ctx.Err() != nil {
		return time.Time{}, nil
	}
	return at, err
}

// checkClock compares this machine's clock with the server's (its HTTP
// Date header, to the second): shards that start "together" by clocks a
// few seconds apart do not.
func (c *Client) checkClock(ctx context.Context) {
	hc := &http.Client{Timeout: 5 * time.Second}
	for _, u := range c.plan.URLs() {
		t0 := c.now()
		resp, err := c.Ask(ctx, hc, http.MethodGet, plan.BaseOf(u)+"/v1/models", nil)
		if err != nil {
			continue
		}
		date, err := http.ParseTime(resp.Header.Get("Date"))
		if err != nil {
			continue
		}
		mid := t0.Add(c.now().Sub(t0) / 2)
		if off := date.Sub(mid.Truncate(time.Second)); off > 2*time.Second || off < -2*time.Second {
			c.say.Warn(fmt.Sprintf("--start-at: this machine's clock is %.0f s off the server's (its Date header): shards on machines whose clocks differ do not start together.", -off.Seconds()))
		}
		return
	}
}
