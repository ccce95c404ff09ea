package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/export/exporttest"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// A 10,000-request multi-turn run makes a page under 2 MB, down-sampled
// and saying so, that loads nothing from elsewhere.
func TestLargeRunStaysSmall(t *testing.T) {
	dir := t.TempDir()
	w := export.NewRecordWriter(filepath.Join(dir, "profile_export.jsonl"))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t0 := int64(1_800_000_000_000_000_000)
	for i := range 10000 {
		start := t0 + int64(i)*2_000_000
		r := &record.Record{Phase: record.PhaseProfiling, SessionNum: i / 4, TurnIndex: i % 4, StartNs: start, StartWallNs: start,
			EndNs: start + 90_000_000, EndWallNs: start + 90_000_000, InputTokens: 100 + 50*(i%4), OutputTokens: 20, HasOutput: true,
			Responses: []record.Response{{Ns: start + int64(10+i%7)*1_000_000}, {Ns: start + 90_000_000}}}
		v := metrics.Compute(r, true)
		w.Put(r, &v)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.html")
	if err := Write([]string{dir}, out, "test"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if len(b) > 2<<20 {
		t.Errorf("the page is %d bytes", len(b))
	}
	if !strings.Contains(page, "every 6-th request") || !strings.Contains(page, "The first 60 of 2500 sessions") {
		t.Error("the page does not say what it down-sampled")
	}
	for _, external := range []string{"src=\"http", "href=\"http", "<link", "@import", "url("} {
		if strings.Contains(page, external) {
			t.Errorf("the page loads something from elsewhere: %q", external)
		}
	}
}

// Two fixture runs side by side: each run's headline numbers, per-turn
// table, sessions, errors, warnings and configuration reach the page, and
// every chart with data.
func TestTwoRunsSideBySide(t *testing.T) {
	root := t.TempDir()
	sh := exporttest.Shape{Sessions: 4, Turns: 2, Tokens: 4, TTFT: 20 * time.Millisecond, ITL: 2 * time.Millisecond, Slices: true, Scrapes: true}
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	if _, err := exporttest.Write(a, sh); err != nil {
		t.Fatal(err)
	}
	sh.FailLast = 1
	if _, err := exporttest.Write(b, sh); err != nil {
		t.Fatal(err)
	}
	var split []export.SplitLine // run a joined its server's spans: the split's chart
	for i := range int64(5) {
		split = append(split, export.SplitLine{TTFT: 10e6 + i, ClientSend: 1e5, Network: 1e6, Input: i, Queue: 2e6, Prefill: 69e5})
	}
	if err := export.WriteFile(export.Files{Dir: a}.TTFTSplit(), export.TTFTSplitJSONL(split)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "report.html")
	if err := Write([]string{a, b}, out, "test"); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(out)
	for _, want := range []string{"sonde report: 2 runs compared", "20.00", "Internal Server Error", "a fixture",
		"sonde profile -m m --streaming", "http://localhost:8000", "session_turns", "ttft_by_turn", "server_running", "gpu_power", `"ttft_split"`, `network \u0026 front`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	v, err := view(a, "a")
	if err != nil || len(v.Turns) != 2 || v.Turns[1].ISL != "200.00" || v.Headline["time_to_first_token"].P50 != "20.00" {
		t.Errorf("view: %+v %v", v, err)
	}
	os.WriteFile(filepath.Join(b, "profile_export_aiperf.json"), []byte("{"), 0o644)
	if err := Write([]string{b}, out, "test"); err == nil {
		t.Error("a broken summary made a page")
	}
}
