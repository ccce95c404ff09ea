package plan

import (
	"fmt"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
)

// fdMargin is what the process needs besides connections: log and export
// files, the listener of an in-process simulator, the runtime's own.
const fdMargin = 64

// checkOpenFiles refuses, before anything is sent, a load the open-file
// limit cannot hold: every connection is a file, and with sim:// the
// simulator's end of it is one too. Without this the run would fail later,
// request by request, with "too many open files".
func checkOpenFiles(p *config.Profile, pl load, limit uint64) error {
	conns := max(pl.concurrency, pl.users)
	if pl.maxRequests > 0 && pl.duration == 0 {
		conns = min(conns, pl.maxRequests) // never more streams open than requests to send
	}
	if (conns == 0 && p.WarmupConnections == 0) || limit == 0 {
		return nil // rate mode without a ceiling: connections follow the load
	}
	perConn := 1
	for _, u := range p.URL {
		if strings.HasPrefix(strings.TrimSpace(u), "sim://") {
			perConn = 2
		}
	}
	need := uint64(conns*perConn + fdMargin + p.WarmupConnections*len(p.URL)*perConn)
	if need > limit && uint64(conns*perConn+fdMargin) <= limit {
		return UsageError{fmt.Errorf("--warmup-connections %d needs about %d open files with the run's and the limit is %d (ulimit -n): raise the limit or lower --warmup-connections",
			p.WarmupConnections, need, limit)}
	}
	if need > limit {
		return UsageError{fmt.Errorf("--concurrency %d needs about %d open files and the limit is %d (ulimit -n): raise the limit or lower --concurrency",
			conns, need, limit)}
	}
	return nil
}
