package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The fleet view of two replicas, one with every request and one with
// none: shares, imbalance, and each form it is written in.
func TestFleet(t *testing.T) {
	s, _, _ := goldenRun()
	empty, _, _ := goldenRun()
	empty.RequestCount = 0
	f := NewFleet([]Replica{{URL: "http://a:8000", Summary: s}, {URL: "http://b:8000", Summary: empty}})
	if f.RequestImbalance != 2 || f.TTFTP50Imbalance != 1 {
		t.Errorf("imbalance %v, TTFT %v", f.RequestImbalance, f.TTFTP50Imbalance)
	}
	var doc struct {
		Replicas []map[string]any `json:"replicas"`
	}
	if err := json.Unmarshal(f.JSON(), &doc); err != nil || len(doc.Replicas) != 2 || doc.Replicas[0]["request_share_pct"] != 100.0 ||
		doc.Replicas[0]["time_to_first_token"] == nil {
		t.Fatalf("%s %v", f.JSON(), err)
	}
	var out bytes.Buffer
	f.Print(&out)
	if !strings.Contains(out.String(), "sonde | Replicas (2 URLs; imbalance, max over mean: requests 2.00, TTFT p50 1.00)") ||
		!strings.Contains(out.String(), "http://b:8000") {
		t.Errorf("console:\n%s", out.String())
	}
	if csv := string(f.CSV()); !strings.Contains(csv, "request_imbalance,2.0000") || !strings.Contains(csv, "http://a:8000,4,100.0") {
		t.Errorf("CSV:\n%s", csv)
	}
	if maxOverMean(nil) != 0 || maxOverMean([]float64{0, 0}) != 0 {
		t.Error("maxOverMean of nothing")
	}
}
