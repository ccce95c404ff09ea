package profile

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
)

// shard is this process's part of a sharded run.
type shard struct{ index, count int }

// shardOf reads --shard-index and --shard-count, defaulting to a
// Kubernetes Indexed Job's $JOB_COMPLETION_INDEX and $SONDE_SHARD_COUNT.
func shardOf(e Env, p *config.Profile) (shard, error) {
	s := shard{count: p.ShardCount}
	if s.count == 0 {
		s.count = 1
		if v := e.Getenv("SONDE_SHARD_COUNT"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return s, fmt.Errorf("$SONDE_SHARD_COUNT=%q is not a positive whole number", v)
			}
			s.count = n
		}
	}
	switch {
	case p.ShardIndex != nil:
		s.index = *p.ShardIndex
	case s.count > 1 && e.Getenv("JOB_COMPLETION_INDEX") != "":
		n, err := strconv.Atoi(e.Getenv("JOB_COMPLETION_INDEX"))
		if err != nil {
			return s, fmt.Errorf("$JOB_COMPLETION_INDEX=%q is not a whole number", e.Getenv("JOB_COMPLETION_INDEX"))
		}
		s.index = n
	case s.count > 1:
		return s, fmt.Errorf("--shard-count %d needs --shard-index (or $JOB_COMPLETION_INDEX)", s.count)
	}
	if s.count < 1 || s.index < 0 || s.index >= s.count {
		return s, fmt.Errorf("--shard-index %d is not one of 0…%d (--shard-count %d)", s.index, s.count-1, s.count)
	}
	return s, nil
}

// share is shard i's part of a total split over n: the first total%n
// shards take one more.
func share(total, i, n int) int {
	s := total / n
	if i < total%n {
		s++
	}
	return s
}

// applyShard turns the totals of the flags into this shard's part: its
// concurrency and its request budget. Sessions, users, arrivals and trace
// entries are split in the engine, by their global numbers.
func (pl *load) applyShard(s shard) error {
	if s.count <= 1 {
		return nil
	}
	if pl.concurrency > 0 {
		if pl.concurrency < s.count {
			return fmt.Errorf("--concurrency %d cannot be split over %d shards: each needs at least one", pl.concurrency, s.count)
		}
		pl.concurrency = share(pl.concurrency, s.index, s.count)
	}
	if pl.maxRequests > 0 {
		pl.maxRequests = share(pl.maxRequests, s.index, s.count)
	}
	return nil
}

// shardDir puts a shard's files in shard_<i> of the run folder, so that
// `sonde merge <folder>/shard_*` finds them.
func shardDir(dir string, s shard) string {
	if s.count <= 1 {
		return dir
	}
	return filepath.Join(dir, fmt.Sprintf("shard_%d", s.index))
}

// startAt is --start-at: an RFC 3339 time, or Unix nanoseconds.
func startAt(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if ns, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(0, ns), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, fmt.Errorf("--start-at %q is neither RFC 3339 (2026-11-30T12:00:00Z) nor Unix nanoseconds", v)
	}
	return t, nil
}

// waitForStart holds the profiling phase until --start-at, and warns when
// this process got there late (its preparation took too long, or its
// clock is off).
func (r *profileRun) waitForStart(ctx context.Context) {
	at, _ := startAt(r.p.StartAt) // checked before
	if at.IsZero() {
		return
	}
	r.checkClock() // before the wait: the start itself is not delayed
	if d := time.Until(at); d > 0 {
		r.logf("Waiting %.1f s for --start-at %s", d.Seconds(), at.UTC().Format(time.RFC3339Nano))
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
	if late := time.Since(at); late > 50*time.Millisecond {
		r.warn(fmt.Sprintf("--start-at: profiling started %.0f ms late (the start was too close to prepare in time, or this machine's clock is off).", float64(late)/1e6))
	}
}

// checkClock compares this machine's clock with the server's (its HTTP
// Date header, to the second): shards that start "together" by clocks a
// few seconds apart do not.
func (r *profileRun) checkClock() {
	hc := &http.Client{Timeout: 5 * time.Second}
	for _, u := range r.plan.urls {
		t0 := time.Now()
		resp, err := r.askServer(r.ctx, hc, http.MethodGet, baseOf(u)+"/v1/models", nil)
		if err != nil {
			continue
		}
		date, err := http.ParseTime(resp.Header.Get("Date"))
		if err != nil {
			continue
		}
		mid := t0.Add(time.Since(t0) / 2)
		if off := date.Sub(mid.Truncate(time.Second)); off > 2*time.Second || off < -2*time.Second {
			r.warn(fmt.Sprintf("--start-at: this machine's clock is %.0f s off the server's (its Date header): shards on machines whose clocks differ do not start together.", -off.Seconds()))
		}
		return
	}
}
