package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
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

// shardRunKey names the run a shard belongs to, the same in every shard of
// it: its command line without the shard's index (Kubernetes pods share
// one, the index coming from $JOB_COMPLETION_INDEX), with the start
// barrier (a manifest's holds its run id) and --start-at. sonde merge
// refuses shards of different runs.
func shardRunKey(p *config.Profile) string {
	var kept []string
	skip := false
	for _, a := range strings.Fields(p.CLICommand) {
		switch {
		case skip:
			skip = false
		case a == "--shard-index":
			skip = true
		case strings.HasPrefix(a, "--shard-index="):
		default:
			kept = append(kept, a)
		}
	}
	h := sha256.Sum256([]byte(strings.Join(kept, " ") + "\n" + p.StartBarrier + "\n" + p.StartAt))
	return hex.EncodeToString(h[:6])
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

// maxStartWait is how far ahead --start-at may be.
const maxStartWait = 24 * time.Hour

// StartAt is --start-at: an RFC 3339 time, or Unix nanoseconds.
func StartAt(v string) (time.Time, error) {
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
