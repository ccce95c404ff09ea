package export

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kube merge waits for every shard's summary under the run's own
// --profile-export-prefix, on an injected clock.
func TestSummaryWait(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "shard_0"), filepath.Join(root, "shard_1")
	os.MkdirAll(a, 0o755)
	os.MkdirAll(b, 0o755)
	os.WriteFile(filepath.Join(a, "run7.json"), []byte("{}"), 0o644)
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	var slept []time.Duration
	finishes := true
	w := SummaryWait{Prefix: "run7", Wait: 5 * time.Second, Poll: 2 * time.Second, Now: func() time.Time { return now },
		Sleep: func(d time.Duration) {
			slept = append(slept, d)
			now = now.Add(d)
			if finishes && len(slept) == 2 { // shard 1 finishes during the wait
				os.WriteFile(filepath.Join(b, "run7.json"), []byte("{}"), 0o644)
			}
		}}
	if err := w.Until([]string{a, b}); err != nil || len(slept) != 2 {
		t.Fatalf("%v after %v", err, slept)
	}
	// profile_export_aiperf.json is not the summary of a prefixed run.
	os.WriteFile(filepath.Join(b, "profile_export_aiperf.json"), []byte("{}"), 0o644)
	os.Remove(filepath.Join(b, "run7.json"))
	slept, finishes = nil, false
	err := w.Until([]string{a, b})
	if err == nil || !strings.Contains(err.Error(), "shard_1 has no summary yet") || len(slept) != 3 {
		t.Fatalf("%v after %v", err, slept)
	}
}
