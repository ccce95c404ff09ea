package plot

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/export/exporttest"
)

func fixture(t *testing.T, name string, sh exporttest.Shape) *Run {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if _, err := exporttest.Write(dir, sh); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Two runs with slices and scrapes drawn on the same charts: every chart
// they have data for is written in every format, and what the charts read
// is what the records say.
func TestWriteEveryChart(t *testing.T) {
	sh := exporttest.Shape{Sessions: 6, Turns: 3, Tokens: 4, TTFT: 20 * time.Millisecond, ITL: 2 * time.Millisecond, Slices: true, Scrapes: true}
	a := fixture(t, "a", sh)
	sh.TTFT *= 2
	sh.FailLast = 1
	b := fixture(t, "b", sh)
	if n := len(a.Requests()); n != 18 {
		t.Fatalf("%d requests read", n)
	}
	if ttft := a.Requests()[0].Values["time_to_first_token"]; ttft != 20 {
		t.Errorf("TTFT %v ms, want 20", ttft)
	}
	out := t.TempDir()
	names, err := Write([]*Run{a, b}, out, "light")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"time_to_first_token_cdf", "request_latency_histogram", "latency_over_time", "throughput_over_time",
		"ttft_by_slice", "ttft_by_turn", "isl_by_turn", "timeline", "server_running_over_time", "gpu_power_over_time"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %s chart among %v", want, names)
		}
	}
	for _, n := range names {
		for _, f := range Formats {
			if st, err := os.Stat(filepath.Join(out, n+"."+f)); err != nil || st.Size() == 0 {
				t.Errorf("%s.%s: %v", n, f, err)
			}
		}
	}
	if got := a.ByTurn("input_sequence_length"); len(got) != 3 || got[2][1] != 300 {
		t.Errorf("ISL by turn %v", got)
	}
	if p50, _ := a.SliceSeries("time_to_first_token"); len(p50) == 0 {
		t.Error("no slice series")
	}
	if s := a.Scraped("server", "vllm:num_requests_running"); len(s) != 4 {
		t.Errorf("%d server points", len(s))
	}
}

// A sweep's folder draws its Pareto chart; a folder with nothing to draw
// is an error naming it.
func TestSweepAndEmpty(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sweep_aggregate"), 0o755)
	os.WriteFile(filepath.Join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"), []byte(`{
 "metadata": {"pareto_objectives": ["max request_throughput_avg", "min time_to_first_token_p99"]},
 "per_combination_metrics": [
  {"label": "concurrency_1", "parameters": {"concurrency": 1}, "metrics": {"request_throughput_avg": {"mean": 10}, "time_to_first_token_p99": {"mean": 5}}},
  {"label": "concurrency_2", "parameters": {"concurrency": 2}, "metrics": {"request_throughput_avg": {"mean": 18}, "time_to_first_token_p99": {"mean": 9}}}],
 "pareto_optimal": [{"concurrency": 1}, {"concurrency": 2}]}`), 0o644)
	r, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	names, err := Write([]*Run{r}, t.TempDir(), "dark")
	if err != nil || !slices.Contains(names, "sweep_pareto") {
		t.Fatalf("%v %v", names, err)
	}
	if _, err := Load(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "holds neither") {
		t.Errorf("an empty folder: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "sweep_aggregate", "profile_export_aiperf_sweep.json"), []byte("{"), 0o644)
	if _, err := Load(dir, ""); err == nil {
		t.Error("a broken sweep file was read")
	}
}

func TestParseTheme(t *testing.T) {
	for in, want := range map[string]Theme{"": "light", "light": "light", "dark": "dark"} {
		if got, err := ParseTheme(in); got != want || err != nil {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if _, err := ParseTheme("sepia"); err == nil {
		t.Error("sepia accepted")
	}
}

// A folder of runs stands for its runs, in name order; a run folder for
// itself; a folder that cannot be read is a LoadError when drawn.
func TestRunFoldersAndDraw(t *testing.T) {
	root := t.TempDir()
	sh := exporttest.Shape{Sessions: 2, Turns: 2, Tokens: 3, TTFT: 5 * time.Millisecond, ITL: time.Millisecond}
	for _, n := range []string{"b", "a"} {
		if _, err := exporttest.Write(filepath.Join(root, n), sh); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, n, "inputs.json"), []byte(`{"data": []}`), 0o644) // what makes a folder a run
	}
	dirs, err := RunFolders([]string{root, filepath.Join(root, "b")})
	if err != nil || len(dirs) != 3 || filepath.Base(dirs[0]) != "a" || filepath.Base(dirs[2]) != "b" {
		t.Fatalf("%v %v", dirs, err)
	}
	if _, err := RunFolders([]string{filepath.Join(root, "none")}); err == nil {
		t.Error("a missing folder was accepted")
	}
	if empty, _ := RunFolders([]string{t.TempDir()}); len(empty) != 1 {
		t.Errorf("an empty folder: %v", empty)
	}
	names, err := Draw(dirs[:2], "", filepath.Join(root, "plots"), "light")
	if err != nil || len(names) == 0 {
		t.Fatalf("%v %v", names, err)
	}
	var le LoadError
	if _, err := Draw([]string{t.TempDir()}, "", t.TempDir(), "light"); !errors.As(err, &le) {
		t.Errorf("an empty folder drawn: %v", err)
	}
}
