package plan

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
)

// notes keep what resolving a plan said, in order, until the run's log is
// open: the plan is resolved before the run has a folder to log into.
type notes struct{ items []noteItem }

type noteItem struct {
	level slog.Level
	msg   string
}

func (n *notes) add(level slog.Level, msg string) { n.items = append(n.items, noteItem{level, msg}) }
func (n *notes) info(msg string)                  { n.add(slog.LevelInfo, msg) }
func (n *notes) warn(msg string)                  { n.add(slog.LevelWarn, msg) }
func (n *notes) infof(format string, a ...any)    { n.info(fmt.Sprintf(format, a...)) }

// logger is a slog.Logger whose records become notes.
func (n *notes) logger() *slog.Logger { return slog.New(noteHandler{n}) }

type noteHandler struct{ n *notes }

func (h noteHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h noteHandler) Handle(_ context.Context, r slog.Record) error {
	h.n.add(r.Level, r.Message)
	return nil
}
func (h noteHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h noteHandler) WithGroup(string) slog.Handler      { return h }

// acceptedOnly are notes for the flags sonde accepts so that AIPerf's
// command lines run, but that mean nothing in one process.
func acceptedOnly(p *config.Profile) []string {
	var out []string
	if p.TrustRemoteCode {
		out = append(out, "--tokenizer-trust-remote-code: sonde runs no code from a model repository; it reads the tokenizer's tokenizer.json alone.")
	}
	if p.RecordProcessors != nil {
		out = append(out, "--record-processor-service-count: sonde records on one goroutine, off the request path; ignored.")
	}
	if p.WorkersMax != nil {
		out = append(out, "--workers-max: sonde's request goroutines follow the load itself (the concurrency, the rate); ignored.")
	}
	if p.ZMQHost != "" || p.ZMQIPCPath != "" || p.ZMQDualBind {
		out = append(out, "--zmq-*: sonde is one process, with no message bus between processes; ignored.")
	}
	return out
}

// scenario says what --scenario's lock filled in and, under
// --unsafe-override, each rule the run breaks.
func (n *notes) scenario(o *config.ScenarioOutcome) {
	if o == nil {
		return
	}
	if len(o.Applied) > 0 {
		n.info(fmt.Sprintf("Scenario %s: set %s", o.Name, strings.Join(o.Applied, ", ")))
	}
	for _, v := range o.Violations {
		n.warn(fmt.Sprintf("Scenario %s: %s (--unsafe-override: the run is no valid submission)", o.Name, v))
	}
}
