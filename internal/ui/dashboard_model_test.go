package ui

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The dashboard's model: a tick takes a snapshot, the window's width is
// kept, q and ctrl+c call the run's interrupt, the last frame quits.
func TestDashboardModel(t *testing.T) {
	n, interrupts := 0, 0
	d := &dashboard{snap: func() Snapshot { n++; return Snapshot{Status: Status{Phase: "Profiling", RequestsDone: int64(n)}} },
		signal: func() { interrupts++ }}
	if d.Init() == nil {
		t.Fatal("no first tick")
	}
	d.Update(tick{})
	d.Update(tea.WindowSizeMsg{Width: 100})
	d.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	d.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})
	if d.last.RequestsDone != 1 || d.width != 100 || interrupts != 1 {
		t.Fatalf("snapshot %d, width %d, interrupts %d", d.last.RequestsDone, d.width, interrupts)
	}
	if v := d.View(); !v.AltScreen || !strings.Contains(v.Content, "sonde | Profiling") {
		t.Errorf("view: %+v", v)
	}
	if _, cmd := d.Update(quitAfterLastFrame{}); cmd == nil || d.last.RequestsDone != 2 {
		t.Error("the last frame did not quit")
	}
}

// The dashboard runs until its context ends; log lines written meanwhile
// are held and printed after it.
func TestDashboardHoldsLogLines(t *testing.T) {
	var out bytes.Buffer
	c := NewConsole(&out, false)
	log := NewLogger(c, nil, slog.LevelInfo)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Dashboard(ctx, c, nil, &bytes.Buffer{}, func() Snapshot { return Snapshot{Status: Status{Phase: "Profiling"}} })
		close(done)
	}()
	for {
		c.mu.Lock()
		held := c.held != nil
		c.mu.Unlock()
		if held {
			break
		}
		time.Sleep(time.Millisecond)
	}
	log.Info("during the dashboard")
	if strings.Contains(out.String(), "during the dashboard") {
		t.Fatal("a log line reached the screen under the dashboard")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the dashboard did not end with its context")
	}
	if !strings.Contains(out.String(), "during the dashboard") {
		t.Errorf("the held line was lost: %q", out.String())
	}
	if log.WithGroup("g") == nil {
		t.Error("WithGroup")
	}
}
