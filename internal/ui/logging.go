package ui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// lineHandler writes slog records as AIPerf-style lines ("INFO     msg") to
// the console, and with timestamps to the log file.
type lineHandler struct {
	mu      *sync.Mutex
	console io.Writer
	file    io.Writer
	level   slog.Level
	attrs   []slog.Attr // from WithAttrs, written before the record's own
}

// NewLogger logs to the console (without timestamps) and to file (with
// them); either may be nil.
func NewLogger(console, file io.Writer, level slog.Level) *slog.Logger {
	return slog.New(&lineHandler{mu: &sync.Mutex{}, console: console, file: file, level: level})
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

// FileOnly marks a record for the log file alone: the console shows it
// elsewhere (a warning the report prints under the results).
func FileOnly() slog.Attr { return slog.Bool(fileOnlyKey, true) }

const fileOnlyKey = "sonde.file_only"

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	console := h.console
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == fileOnlyKey {
			console = nil
			return true
		}
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	level := strings.ToUpper(r.Level.String())
	switch {
	case r.Level == slog.LevelWarn:
		level = "WARNING"
	case r.Level <= LevelTrace:
		level = "TRACE"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if console != nil {
		fmt.Fprintf(console, "%-8s %s\n", level, b.String())
	}
	if h.file != nil {
		fmt.Fprintf(h.file, "%s %-8s %s\n", r.Time.Format(time.RFC3339Nano), level, b.String())
	}
	return nil
}

// WithAttrs returns a handler that writes attrs on every line.
func (h *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }

// LevelTrace is below debug: a line per request (-vv, --log-level TRACE).
const LevelTrace = slog.LevelDebug - 4

// ParseLevel maps AIPerf's --log-level names (and -v, -vv) to a slog level.
func ParseLevel(name string, verbose int) slog.Level {
	switch {
	case verbose > 1:
		return LevelTrace
	case verbose > 0:
		return slog.LevelDebug
	}
	switch strings.ToUpper(name) {
	case "TRACE":
		return LevelTrace
	case "DEBUG":
		return slog.LevelDebug
	case "WARNING":
		return slog.LevelWarn
	case "ERROR", "CRITICAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}
