package pipeline

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// levelTrace is ui.LevelTrace: a line per request.
const levelTrace = slog.LevelDebug - 4

// Debug tells what the run did, on the processor goroutine, never on a
// request's path: with -vv a line per request (its session, turn,
// connection, status and times), and with -v, when the phase closes, how
// the connections were used (new, reused, opened ahead, retried).
type Debug struct {
	Log *slog.Logger

	requests, fresh, reused, prewarmed, retried, failed int
}

func (d *Debug) Start() error { return nil }

func (d *Debug) Put(r *record.Record, v *metrics.Values) {
	d.requests++
	switch {
	case r.HTTP.Prewarmed:
		d.prewarmed++
	case r.HTTP.Reused:
		d.reused++
	default:
		d.fresh++
	}
	if r.Retried {
		d.retried++
	}
	if r.Error != nil {
		d.failed++
	}
	if !d.Log.Enabled(context.Background(), levelTrace) {
		return
	}
	conn := "new connection"
	switch {
	case r.HTTP.Prewarmed:
		conn = "connection opened ahead"
	case r.HTTP.Reused:
		conn = "reused connection"
	}
	line := fmt.Sprintf("request session %d turn %d (%s): %s", r.SessionNum, r.TurnIndex, r.RequestID, conn)
	if r.Retried {
		line += ", retried on a fresh connection"
	}
	if r.Error != nil {
		line += fmt.Sprintf("; %s: %s", r.Error.Type, r.Error.Message)
	} else {
		line += fmt.Sprintf("; ISL %d, OSL %d", r.InputTokens, r.OutputTokens+r.ReasoningTokens)
	}
	if x, ok := v.Get(metrics.ScheduleLag); ok {
		line += fmt.Sprintf(", schedule lag %.3f ms", x/1e6)
	}
	if x, ok := v.Get(metrics.TTFT); ok {
		line += fmt.Sprintf(", TTFT %.3f ms", x/1e6)
	}
	if x, ok := v.Get(metrics.RequestLatency); ok {
		line += fmt.Sprintf(", latency %.3f ms", x/1e6)
	}
	d.Log.Log(context.Background(), levelTrace, line)
}

// Close tells how the phase's requests used their connections.
func (d *Debug) Close() error {
	d.Log.Debug(fmt.Sprintf("Connections: %d requests, %d on new connections, %d reused, %d opened ahead (--warmup-connections), %d retried once on a fresh one after a dead keep-alive; %d failed",
		d.requests, d.fresh, d.reused, d.prewarmed, d.retried, d.failed))
	return nil
}
