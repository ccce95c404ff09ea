package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/sondetest"
)

// checkChart opens a chart's PNG (it decodes, with a size) and SVG (it is
// well-formed XML) and returns the SVG's text.
func checkChart(t *testing.T, dir, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatalf("%s.png: %v", name, err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width < 300 || cfg.Height < 200 {
		t.Errorf("%s.png: %v %+v", name, err, cfg)
	}
	svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
	if err != nil {
		t.Fatalf("%s.svg: %v", name, err)
	}
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("%s.svg is not well-formed: %v", name, err)
		}
	}
	return string(svg)
}

// sonde plot (and --auto-plot) draw every chart a run has data for, as PNG
// and SVG, with several runs on the same charts; a sweep gets its Pareto
// chart.
func TestPlots(t *testing.T) {
	t.Parallel() // its own runs and folders
	sim := startSim(t, "--gpus", "1", "--ttft", "2ms", "--itl", "1ms")
	root := t.TempDir()
	a, b := filepath.Join(root, "runA"), filepath.Join(root, "runB")
	for _, dir := range []string{a, b} {
		res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "3", "--benchmark-duration", "1",
			"--conversation-turn-mean", "3", "--osl", "8", "--gpu-telemetry", "--server-metrics-formats", "json,jsonl", "--slice-duration", "0.25",
			"--ui-type", "none", "--artifact-dir", dir, "--auto-plot")
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
	}
	for _, name := range []string{"time_to_first_token_cdf", "request_latency_histogram", "latency_over_time", "throughput_over_time",
		"ttft_by_turn", "isl_by_turn", "timeline", "server_running_over_time", "gpu_power_over_time", "ttft_by_slice"} {
		checkChart(t, filepath.Join(a, "plots"), name)
	}
	out := filepath.Join(root, "both")
	res := runSonde(t, "plot", a, b, "-o", out)
	if res.code != 0 {
		t.Fatalf("plot: exit %d: %s", res.code, res.stderr)
	}
	if svg := checkChart(t, out, "time_to_first_token_cdf"); !strings.Contains(svg, "runA") || !strings.Contains(svg, "runB") {
		t.Error("two runs on one chart: the legend lacks one")
	}

	// The report of both runs, opened in a real browser.
	page := filepath.Join(root, "report.html")
	if res := runSonde(t, "report", a, b, "-o", page); res.code != 0 {
		t.Fatalf("report: exit %d: %s", res.code, res.stderr)
	}
	checkInBrowser(t, page, 8)

	sweep := filepath.Join(root, "sweep")
	res = runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--concurrency", "1,4", "--request-count", "8",
		"--osl", "4", "--ui-type", "none", "--artifact-dir", sweep, "--auto-plot")
	if res.code != 0 {
		t.Fatalf("sweep: exit %d: %s", res.code, res.stderr)
	}
	checkChart(t, filepath.Join(sweep, "plots"), "sweep_pareto")
	// --auto-plot reads a run whose files carry --profile-export-prefix.
	named := filepath.Join(root, "named")
	res = runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "4", "--osl", "4", "--ui-type", "none",
		"--artifact-dir", named, "--profile-export-prefix", "run7", "--auto-plot")
	if res.code != 0 || strings.Contains(res.stderr, "--auto-plot") {
		t.Fatalf("a prefixed run: exit %d: %s", res.code, res.stderr)
	}
	checkChart(t, filepath.Join(named, "plots"), "time_to_first_token_cdf")
	if res := runSonde(t, "plot", t.TempDir()); res.code != exitUsage {
		t.Errorf("a folder without a run: exit %d", res.code)
	}
}

// checkInBrowser opens the page in headless Chromium (CI installs it;
// elsewhere the check is skipped when there is none): every chart is drawn,
// at least minCharts of them, and no script error happened.
func checkInBrowser(t *testing.T, page string, minCharts int) {
	t.Helper()
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	charts := strings.Count(string(html), `id="chart-`)
	var browser string
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(b); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("SONDE_CI") != "" {
			t.Fatal("no Chromium; .ci/run installs Debian's chromium")
		}
		t.Skip("no Chromium to open the report in")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+t.TempDir(),
		"--dump-dom", "file://"+page).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	if !strings.Contains(dom, fmt.Sprintf(`data-rendered="%d"`, charts)) || charts < minCharts {
		t.Errorf("the browser drew fewer than the %d charts", charts)
	}
	if strings.Contains(dom, `data-errors="`) {
		i := strings.Index(dom, `data-errors="`)
		t.Errorf("script errors in the browser: %s", dom[i:min(len(dom), i+300)])
	}
}

// aiperf plot's way: no folder means ./artifacts, a folder of runs is drawn
// as several runs, --theme dark darkens the page, and --dashboard serves
// the report and the charts until interrupted.
func TestPlotLikeAIPerf(t *testing.T) {
	sim := startSim(t)
	root := t.TempDir()
	for _, name := range []string{"runA", "runB"} {
		res := runSonde(t, "profile", "-m", "m", "--streaming", "--url", sim.addr, "--request-count", "4", "--osl", "4",
			"--ui-type", "none", "--artifact-dir", filepath.Join(root, "artifacts", name))
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
	}
	t.Chdir(root)
	if res := runSonde(t, "plot", "--theme", "dark"); res.code != 0 {
		t.Fatalf("plot: exit %d: %s", res.code, res.stderr)
	}
	svg := checkChart(t, filepath.Join("artifacts", "plots"), "time_to_first_token_cdf")
	if !strings.Contains(svg, "runA") || !strings.Contains(svg, "runB") || !strings.Contains(svg, "#1E1E1E") {
		t.Errorf("not both runs on a dark page:\n%.600s", svg)
	}
	if res := runSonde(t, "plot", "--theme", "sepia"); res.code != exitUsage {
		t.Errorf("--theme sepia: exit %d", res.code)
	}

	var sig signals
	var out, errb sondetest.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(env{Args: []string{"plot", "--paths", filepath.Join("artifacts", "runA"), "--dashboard", "--port", "0"},
			Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Signals: sig.notify})
	}()
	deadline := time.Now().Add(cmdTimeout)
	for !strings.Contains(out.String(), "(Ctrl-C to stop)") {
		if time.Now().After(deadline) {
			t.Fatalf("no dashboard: %s %s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, rest, _ := strings.Cut(out.String(), "Dashboard: ")
	url, _, _ := strings.Cut(rest, " ")
	for _, path := range []string{"", "time_to_first_token_cdf.svg"} {
		resp, err := http.Get(url + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", url+path, resp, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if path == "" && !strings.Contains(string(body), "sonde report") {
			t.Errorf("the dashboard's page is not the report: %.300s", body)
		}
	}
	sig.send(os.Interrupt)
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("dashboard stopped with exit %d: %s", code, errb.String())
		}
	case <-time.After(cmdTimeout):
		t.Fatal("the dashboard did not stop on the interruption")
	}
}

// The report of a run without streaming (no TTFT, no answer streamed) and
// of a run where every request failed opens without a script error, with
// the charts their data allow, the sessions' timeline among them.
func TestReportOfOddRuns(t *testing.T) {
	t.Parallel() // causal checks only: its own simulator and folders
	sim := startSim(t)
	root := t.TempDir()
	plain, failed := filepath.Join(root, "plain"), filepath.Join(root, "failed")
	if res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--url", sim.addr, "--request-count", "4", "--osl", "4",
		"--ui-type", "none", "--artifact-dir", plain); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	srv := newFaultServer(t, 2, time.Millisecond, func(int64) string { return "500" })
	if res := runSonde(t, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", srv.URL, "--request-count", "4",
		"--ui-type", "none", "--artifact-dir", failed); res.code != exitFailed {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, c := range []struct {
		dir    string
		charts int
	}{{plain, 4}, {failed, 1}} {
		page := c.dir + ".html"
		if res := runSonde(t, "report", c.dir, "-o", page); res.code != 0 {
			t.Fatalf("report %s: exit %d: %s", c.dir, res.code, res.stderr)
		}
		html, _ := os.ReadFile(page)
		if !strings.Contains(string(html), `<h3>Sessions over time</h3><div id="chart-timeline">`) {
			t.Errorf("%s: no sessions timeline", c.dir)
		}
		if strings.Contains(string(html), `"points":null`) || strings.Contains(string(html), `"series":null`) {
			t.Errorf("%s: null data in the page", c.dir)
		}
		checkInBrowser(t, page, c.charts)
	}
}
