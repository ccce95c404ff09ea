// Package barrier starts the shards of one run together without fixing the
// instant in advance: every shard, once prepared, announces itself and
// waits until all of them have; they then start at one instant every shard
// computes alike from the announcements (the latest ready time plus a
// margin), so no shard leads and none needs to be reachable by the others.
// A fixed --start-at cannot allow for a pod scheduled late (an image pull, a
// busy node); a barrier can.
package barrier

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Entry is one shard's announcement.
type Entry struct {
	Index   int    `json:"shard_index"`
	Count   int    `json:"shard_count"`
	Host    string `json:"host"`
	ReadyNs int64  `json:"ready_unix_ns"` // when the shard was prepared (wall clock)
}

// Backend is where shards announce themselves and read each other's
// announcements: a folder on a shared volume (Dir), or anything else every
// shard reaches (tests use one in memory).
type Backend interface {
	Announce(ctx context.Context, e Entry) error
	Entries(ctx context.Context) ([]Entry, error)
	String() string // where, for messages
}

// Barrier is one shard's side of the start.
type Barrier struct {
	Backend      Backend
	Index, Count int
	Host         string
	// Margin is added to the latest ready time: it covers the time for
	// every shard to see the last announcement (a poll, a shared volume's
	// attribute cache).
	Margin time.Duration
	// Timeout bounds the wait for the others, from this shard's own ready
	// time: a shard that never comes fails the run with its index named.
	Timeout time.Duration
	Poll    time.Duration
	// Now and Sleep are the clock, injected so the logic is tested without
	// waiting; Sleep returns ctx's error when it ends first.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Sleep waits d or until ctx ends: the real clock's Sleep.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait announces this shard and returns the common start instant once
// every shard has announced itself.
func (b *Barrier) Wait(ctx context.Context) (time.Time, error) {
	ready := b.Now()
	if err := b.Backend.Announce(ctx, Entry{Index: b.Index, Count: b.Count, Host: b.Host, ReadyNs: ready.UnixNano()}); err != nil {
		return time.Time{}, fmt.Errorf("start barrier %s: announcing shard %d: %w", b.Backend, b.Index, err)
	}
	deadline := ready.Add(b.Timeout)
	for {
		entries, err := b.Backend.Entries(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("start barrier %s: %w", b.Backend, err)
		}
		present, latest, err := b.judge(entries, ready)
		if err != nil {
			return time.Time{}, err
		}
		if len(present) == b.Count {
			return time.Unix(0, latest).Add(b.Margin), nil
		}
		if !b.Now().Before(deadline) {
			return time.Time{}, fmt.Errorf("start barrier %s: no announcement from %s of %d within %v (a pod still pending, or failed?); nothing was sent",
				b.Backend, missing(present, b.Count), b.Count, b.Timeout)
		}
		if err := b.Sleep(ctx, b.Poll); err != nil {
			return time.Time{}, err
		}
	}
}

// judge keeps the announcements of this run: those of the same shard
// count, not older than this shard's wait can be (a folder reused from an
// earlier run); a different count is an error, as the shards would split
// the work differently.
func (b *Barrier) judge(entries []Entry, ready time.Time) (map[int]bool, int64, error) {
	present := map[int]bool{}
	latest := int64(0)
	stale := ready.Add(-b.Timeout).UnixNano()
	for _, e := range entries {
		switch {
		case e.ReadyNs < stale || e.Index < 0 || e.Index >= b.Count:
			continue
		case e.Count != b.Count:
			return nil, 0, fmt.Errorf("start barrier %s: shard %d (%s) runs with --shard-count %d, this one with %d", b.Backend, e.Index, e.Host, e.Count, b.Count)
		}
		present[e.Index] = true
		latest = max(latest, e.ReadyNs)
	}
	return present, latest, nil
}

// missing names the shards not present: "shards 2, 5" (at most ten named).
func missing(present map[int]bool, count int) string {
	var out []string
	n := 0
	for i := range count {
		if !present[i] {
			n++
			if len(out) < 10 {
				out = append(out, strconv.Itoa(i))
			}
		}
	}
	if n > len(out) {
		out = append(out, fmt.Sprintf("and %d more", n-len(out)))
	}
	word := "shards"
	if n == 1 {
		word = "shard"
	}
	return word + " " + strings.Join(out, ", ")
}
