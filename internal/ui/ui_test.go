package ui

import (
	"bytes"
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
