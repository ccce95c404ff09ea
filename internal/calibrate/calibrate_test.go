package calibrate

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A small calibration finishes and reports every ceiling; how high they are
// is this machine's business, not the test's.
func TestQuickCalibration(t *testing.T) {
	var log bytes.Buffer
	rep, err := Run(context.Background(), Options{Streams: 2, Tokens: 200, Rates: []float64{100, 200}, RateSeconds: 0.2,
		HeldStreams: [2]int{20, 60}}, &log)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ChunksPerCPUSecond <= 0 || len(rep.Rates) == 0 || rep.BytesPerStream <= 0 {
		t.Fatalf("%+v", rep)
	}
	for _, r := range rep.Rates {
		if r.Achieved <= 0 {
			t.Fatalf("rate %+v", r)
		}
	}
	if out := rep.Table(); !strings.Contains(out, "memory per open stream") || !strings.Contains(log.String(), "pacing: 100") {
		t.Fatalf("%s\n%s", out, log.String())
	}
}
