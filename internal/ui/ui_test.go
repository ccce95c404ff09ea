package ui

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	got := Render(Status{Phase: "Profiling", RequestsDone: 15, RequestsTotal: 30, SessionsDone: 5, SessionsTotal: 10, Elapsed: 65 * time.Second})
	for _, want := range []string{"Profiling: 15/30", " 50%", "[01:05]", "Conversations: 5/10", "Errors: 0"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

func TestConsoleKeepsLogsAboveBar(t *testing.T) {
	var buf bytes.Buffer
	c := NewConsole(&buf, true)
	c.draw("bar", false)
	c.Write([]byte("log line\n"))
	if !strings.Contains(buf.String(), "\r\033[Klog line\nbar") {
		t.Fatalf("log not drawn above the bar: %q", buf.String())
	}
}

// Progress draws while the phase runs and a final state when it ends; mode
// none draws nothing.
func TestProgress(t *testing.T) {
	for _, c := range []struct {
		mode string
		tty  bool
		want bool
	}{{"simple", false, true}, {"dashboard", true, true}, {"none", false, false}} {
		var buf bytes.Buffer
		con := NewConsole(&buf, c.tty)
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		Progress(ctx, con, c.mode, 50*time.Millisecond, func() Status {
			return Status{Phase: "Profiling", RequestsDone: 3, RequestsTotal: 4, Errors: 1, InFlight: 2, Duration: time.Minute, Elapsed: time.Second}
		})
		cancel()
		if got := strings.Contains(buf.String(), "Profiling: 3/4"); got != c.want {
			t.Errorf("%s: drew %v: %q", c.mode, got, buf.String())
		}
	}
}

// Log lines carry the attributes of the logger they came from.
func TestLoggerKeepsAttrs(t *testing.T) {
	var console, file bytes.Buffer
	log := NewLogger(&console, &file, ParseLevel("DEBUG", 0)).With("phase", "warmup")
	log.Warn("slow", "n", 3)
	if !strings.Contains(console.String(), "WARNING  slow phase=warmup n=3") || !strings.Contains(file.String(), "slow phase=warmup n=3") {
		t.Fatalf("console %q file %q", console.String(), file.String())
	}
	if ParseLevel("ERROR", 0) != slog.LevelError || ParseLevel("INFO", 1) != slog.LevelDebug || ParseLevel("WARNING", 0) != slog.LevelWarn {
		t.Fatal("levels")
	}
}

// The dashboard's frame shows every part, and warns when sonde itself is
// near its CPU limit.
func TestDashboardFrame(t *testing.T) {
	s := Snapshot{Status: Status{Phase: "Profiling", RequestsDone: 42, RequestsTotal: 100, InFlight: 3, Errors: 2},
		Live: Live{P50: map[string]float64{"time_to_first_token": 12.5}, P90: map[string]float64{"time_to_first_token": 20},
			P99: map[string]float64{"time_to_first_token": 31}, ErrorTypes: map[string]int64{"HTTP 500": 2}, OutputTPS: 850, ClientCPUPct: 91}}
	frame := s.Render(100)
	for _, want := range []string{"Profiling", "42/100", "TTFT (ms)", "12.50", "31.00", "In flight      3", "850", "HTTP 500", "Errors (2)", "bottleneck"} {
		if !strings.Contains(frame, want) {
			t.Errorf("the frame lacks %q:\n%s", want, frame)
		}
	}
}
