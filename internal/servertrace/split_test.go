package servertrace

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// The parts add up to sonde's TTFT exactly, whatever the server says.
func TestSplitAddsUp(t *testing.T) {
	nan := math.NaN()
	for _, sp := range []Span{
		{TTFT: 0.010, Queue: 0.003, Prefill: 0.006},
		{TTFT: 0.010, Queue: nan, Prefill: nan},
		{TTFT: 0.020, Queue: 0.001, Prefill: 0.002}, // the server's TTFT exceeds the client's: network goes negative, honestly
		{TTFT: nan},
		{TTFT: 0.005, Queue: -1, Prefill: 0.004},
	} {
		s := SplitTTFT(15_000_000, 40_000, sp)
		if sum := s.ClientSend + s.Network + s.Input + s.Queue + s.Prefill; sum != s.TTFT {
			t.Errorf("%+v: parts add up to %d, TTFT %d", sp, sum, s.TTFT)
		}
	}
	s := SplitTTFT(15_000_000, 40_000, Span{TTFT: 0.010, Queue: 0.003, Prefill: 0.006})
	if s.Queue != 3_000_000 || s.Prefill != 6_000_000 || s.Input != 1_000_000 || s.Network != 4_960_000 || s.ServerTTFT != 10_000_000 {
		t.Fatalf("%+v", s)
	}
}

func TestSummarize(t *testing.T) {
	var splits []Split
	for i := int64(1); i <= 4; i++ {
		splits = append(splits, SplitTTFT(i*10_000_000, 0, Span{TTFT: float64(i) * 0.008, Queue: float64(i) * 0.002, Prefill: float64(i) * 0.006}))
	}
	s := Summarize(splits, 5, 9)
	if s.Joined != 4 || s.Requests != 5 || s.Spans != 9 {
		t.Fatalf("%+v", s)
	}
	if st := s.Parts["ttft"]; st.Avg != 25 || st.P50 != 25 || st.SharePct != 100 {
		t.Fatalf("ttft %+v", st)
	}
	if st := s.Parts["prefill"]; math.Abs(st.SharePct-60) > 1e-9 || math.Abs(st.P90-22.2) > 1e-9 {
		t.Fatalf("prefill %+v", st)
	}
	var out bytes.Buffer
	s.Print(&out)
	for _, want := range []string{"4 of 5 requests joined", "prefill", "network & front", "60.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("console lacks %q:\n%s", want, out.String())
		}
	}
	if c := string(s.CSV()); !strings.Contains(c, "ttft_split_joined,4,of,5") || !strings.Contains(c, "queue,") {
		t.Errorf("csv:\n%s", c)
	}
	out.Reset()
	none := Summarize(nil, 3, 0)
	none.Print(&out)
	if !strings.Contains(out.String(), "no span of the server") || strings.Contains(string(none.CSV()), "queue") {
		t.Errorf("empty: %s / %s", out.String(), none.CSV())
	}
}
