// Package ui shows progress while a run goes on. It polls a snapshot
// function a few times a second and never touches the request path; log
// lines and the progress bar share one writer so they never interleave.
package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Status is what the progress display shows.
type Status struct {
	Phase         string
	RequestsDone  int64
	RequestsTotal int64 // 0 when unknown
	SessionsDone  int64
	SessionsTotal int64 // 0 when unknown
	Errors        int64
	InFlight      int64
	Elapsed       time.Duration
	Duration      time.Duration // duration-based runs; 0 otherwise
}

// Console is the single writer for logs and the live bar.
type Console struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	bar   string
	shown bool
	held  *bytes.Buffer // log lines kept while the dashboard owns the screen
}

// hold keeps log lines until release (the dashboard draws full screen).
func (c *Console) hold() {
	c.mu.Lock()
	c.held = &bytes.Buffer{}
	c.mu.Unlock()
}

// release prints the lines kept.
func (c *Console) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		c.w.Write(c.held.Bytes())
		c.held = nil
	}
}

// NewConsole wraps w; tty enables in-place redraws.
func NewConsole(w io.Writer, tty bool) *Console { return &Console{w: w, tty: tty} }

// Write prints log output above the bar.
func (c *Console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		return c.held.Write(p)
	}
	if c.tty && c.shown {
		io.WriteString(c.w, "\r\033[K")
	}
	n, err := c.w.Write(p)
	if c.tty && c.shown {
		io.WriteString(c.w, c.bar)
	}
	return n, err
}

func (c *Console) draw(line string, final bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tty {
		c.bar, c.shown = line, !final
		io.WriteString(c.w, "\r\033[K"+line)
		if final {
			io.WriteString(c.w, "\n")
		}
		return
	}
	io.WriteString(c.w, line+"\n")
}

// Render formats a status line like AIPerf's simple (tqdm) progress.
func Render(s Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", s.Phase)
	switch {
	case s.RequestsTotal > 0:
		frac := min(float64(s.RequestsDone)/float64(s.RequestsTotal), 1)
		const width = 24
		filled := int(frac * width)
		fmt.Fprintf(&b, "%d/%d |%s%s| %3.0f%%", s.RequestsDone, s.RequestsTotal,
			strings.Repeat("█", filled), strings.Repeat(" ", width-filled), frac*100)
	case s.Duration > 0:
		frac := min(float64(s.Elapsed)/float64(s.Duration), 1)
		fmt.Fprintf(&b, "%d requests, %3.0f%% of %v", s.RequestsDone, frac*100, s.Duration)
	default:
		fmt.Fprintf(&b, "%d requests", s.RequestsDone)
	}
	fmt.Fprintf(&b, " [%s]", clock(s.Elapsed))
	if s.SessionsTotal > 0 {
		fmt.Fprintf(&b, "  Conversations: %d/%d", s.SessionsDone, s.SessionsTotal)
	} else {
		fmt.Fprintf(&b, "  Conversations: %d", s.SessionsDone)
	}
	fmt.Fprintf(&b, "  In flight: %d  Errors: %d", s.InFlight, s.Errors)
	return b.String()
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// Progress polls snap until ctx ends, then draws the final state. mode is
// "none", "simple" or "dashboard" (drawn like simple). On a terminal it
// redraws every 100 ms; otherwise it prints a line every interval.
func Progress(ctx context.Context, c *Console, mode string, interval time.Duration, snap func() Status) {
	if mode == "none" {
		<-ctx.Done()
		return
	}
	if c.tty {
		interval = 100 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c.draw(Render(snap()), true)
			return
		case <-t.C:
			c.draw(Render(snap()), false)
		}
	}
}
