package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The dashboard, captured in a pseudo-terminal: full screen while the run
// goes (live percentiles, load, errors), the usual summary after it, and
// q stops the run like Ctrl-C — the files are still written.
func TestDashboardInATerminal(t *testing.T) {
	t.Parallel() // no timing in its checks: it overlaps the other parallel tests
	bin := sondeBinary(t)
	sim := startSim(t, "--ttft", "2ms", "--itl", "1ms", "--error-rate", "5")
	dir := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(bin, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "4", "--benchmark-duration", "30",
		"--osl", "8", "--artifact-dir", dir)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer f.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	drained := make(chan struct{}) // the reader saw the end of the terminal's output
	go func() {
		defer close(drained)
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(screen.String(), s)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !seen("Latest requests") || !seen("Output tok/s") {
		if time.Now().After(deadline) {
			t.Fatalf("no dashboard on the terminal:\n%q", tail(&mu, &screen))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // a few refreshes with requests done
	f.Write([]byte("q"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
			t.Errorf("q: exit %d (%v), want %d", code, err, exitInterrupted)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("q did not stop the run")
	}
	// What the process printed last may still be in the terminal's buffer.
	select {
	case <-drained:
	case <-time.After(10 * time.Second):
	}
	for _, want := range []string{"TTFT (ms)", "Schedule lag", "sonde CPU", "Errors (", "Request Latency (ms)"} {
		if !seen(want) {
			t.Errorf("the terminal never showed %q", want)
		}
	}
	if lines := readJSONL(t, filepath.Join(dir, "profile_export.jsonl")); len(lines) == 0 {
		t.Error("no records after stopping from the dashboard")
	}
}

func tail(mu *sync.Mutex, b *bytes.Buffer) string {
	mu.Lock()
	defer mu.Unlock()
	s := b.String()
	return s[max(0, len(s)-2000):]
}
