package output

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/pipeline"
	"github.com/sonde-bench/sonde/internal/ui"
)

// Screen is where a run shows itself: the log lines on the console (and in
// the log file), and each phase's progress — the full-screen dashboard by
// default on a terminal, else the simple line.
type Screen struct {
	console *ui.Console
	stderr  io.Writer
	keys    io.Reader // where the dashboard reads keys; nil: none
	mode    string    // "dashboard", "simple" or "none"
	every   time.Duration
	now     func() time.Time
}

// ScreenOptions are the flags and process state a screen follows.
type ScreenOptions struct {
	Stderr io.Writer
	// Keys is where the dashboard reads its keys; nil: the terminal's
	// stdin when it is one.
	Keys      io.Reader
	UIType    string // --ui-type
	LogLevel  string // --log-level
	Verbosity int    // -v counted
	// Every is how often the simple line is printed (--stats-interval;
	// 0: every 2 s).
	Every time.Duration
	Now   func() time.Time
}

// NewScreen makes a run's screen and its logger, which writes to the
// console and to file.
func NewScreen(o ScreenOptions, file io.Writer) (*Screen, *slog.Logger) {
	tty := IsTTY(o.Stderr)
	s := &Screen{console: ui.NewConsole(o.Stderr, tty), stderr: o.Stderr, keys: o.Keys, now: o.Now, every: o.Every}
	if s.every <= 0 {
		s.every = 2 * time.Second
	}
	if s.keys == nil && IsTTY(os.Stdin) {
		s.keys = os.Stdin
	}
	// The dashboard by default on a terminal (and when asked for); -v
	// always shows the line, among the log lines.
	switch s.mode = o.UIType; {
	case s.mode == "none":
	case o.Verbosity > 0 || !tty:
		s.mode = "simple"
	case s.mode == "":
		s.mode = "dashboard"
	}
	return s, ui.NewLogger(s.console, file, ui.ParseLevel(o.LogLevel, o.Verbosity))
}

// Dashboard reports a screen that shows the dashboard (its live view is
// fed by the record pipeline).
func (s *Screen) Dashboard() bool { return s.mode == "dashboard" }

// IsTTY reports a terminal, under any writer that wraps one (the
// redaction of secrets).
func IsTTY(w any) bool {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// display shows a phase's progress on its own goroutine, from the engine's
// counters and the live view's snapshots: an output of each phase.
type display struct {
	s      *Screen
	status func() ui.Status
	live   func(status ui.Status) ui.Snapshot
	stop   context.CancelFunc
	done   chan struct{}
}

// Display is the progress of the phase name, whose engine counts in prog
// and runs cfg; total is the requests it will send (0: unknown); live is
// the record pipeline's live view (nil without the dashboard).
func (s *Screen) Display(name string, prog *engine.Progress, cfg engine.Config, total int64, live *pipeline.Live) Output {
	started, cpu0 := s.now(), clock.ProcessCPU()
	d := &display{s: s}
	d.status = func() ui.Status {
		return ui.Status{Phase: name, RequestsDone: prog.RequestsDone.Load(), RequestsTotal: total,
			SessionsDone: prog.SessionsDone.Load(), SessionsTotal: int64(cfg.MaxSessions),
			Errors: prog.RequestErrors.Load(), InFlight: prog.InFlight.Load(),
			Elapsed: s.now().Sub(started), Duration: cfg.Duration}
	}
	d.live = func(status ui.Status) ui.Snapshot {
		l := live.Snapshot()
		return ui.Snapshot{Status: status, Live: ui.Live{P50: l.P50, P90: l.P90, P99: l.P99, ErrorTypes: l.Errors,
			OutputTPS: l.OutputTPS, ClientCPUPct: clock.CPUShare(clock.ProcessCPU()-cpu0, int64(s.now().Sub(started)))}}
	}
	return d
}

func (d *display) Start(ctx context.Context) error {
	ctx, d.stop = context.WithCancel(ctx)
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		if d.s.mode == "dashboard" {
			ui.Dashboard(ctx, d.s.console, d.s.keys, d.s.stderr, func() ui.Snapshot { return d.live(d.status()) })
			return
		}
		ui.Progress(ctx, d.s.console, d.s.mode, d.s.every, d.status)
	}()
	return nil
}

func (d *display) Stop() error {
	d.stop()
	<-d.done
	return nil
}

// FileOnly marks a log line for the log file alone: a finding the report
// prints under the results, which the console must not get twice.
func FileOnly() slog.Attr { return ui.FileOnly() }
