package output

import (
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/export/exporttest"
	"github.com/sonde-bench/sonde/internal/tracker/trackertest"
)

// The trackers go after every file is written, with what the run said of
// itself; a failing one is a warning and never the run's failure.
func TestTrackersOutput(t *testing.T) {
	if NewTrackers(&config.Profile{}, export.Files{}, nil, nil, nil) != nil {
		t.Fatal("trackers without a tracker")
	}
	dir := t.TempDir()
	if _, err := exporttest.Write(dir, exporttest.Shape{Sessions: 2, Turns: 1, Tokens: 3, TTFT: 5 * time.Millisecond, ITL: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	ml, wb := trackertest.NewMLflow(t), trackertest.NewWandB(t, "k")
	c, n := 3, 9
	p := &config.Profile{MLflowTrackingURI: ml.URL, MLflowExperiment: "aiperf", MLflowTags: []string{"a:b"}, WandBProject: "p", Model: []string{"m"},
		URL: []string{"http://u:pw@h:1"}, Concurrency: &c, RequestCount: &n}
	getenv := func(k string) string {
		return map[string]string{"WANDB_API_KEY": "k", "WANDB_BASE_URL": wb.URL, "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}[k]
	}
	var infos, warns []string
	o := NewTrackers(p, export.Files{Dir: dir}, getenv, func(s string) { infos = append(infos, s) }, func(s string) { warns = append(warns, s) }).(*trackersOutput)
	if err := o.Write(); err != nil || len(infos) > 0 { // nothing to tell before the run is described
		t.Fatal(err, infos)
	}
	o.Contribute(nil, &export.Run{BenchmarkID: "abcdef012345", Version: "v", StartTime: time.Unix(1700000000, 0), EndTime: time.Unix(1700000001, 0),
		CLICommand: "sonde profile -m m"})
	if err := o.Write(); err != nil || len(warns) > 0 || len(infos) != 2 {
		t.Fatalf("%v, warnings %q, infos %q", err, warns, infos)
	}
	ml.Lock()
	run := ml.Runs["run1"]
	ml.Unlock()
	if run == nil || run.Params["endpoint.urls"] != "http://u:xxxxx@h:1" || run.Params["loadgen.concurrency"] != "3" || run.Params["loadgen.request_count"] != "9" || run.Tags["a"] != "b" {
		t.Fatalf("MLflow run %+v", run)
	}
	p.MLflowTrackingURI, p.WandBProject = "http://127.0.0.1:1", ""
	if err := o.Write(); err != nil || len(warns) != 1 || !strings.Contains(warns[0], "MLflow: http://127.0.0.1:1") {
		t.Fatalf("%v %q", err, warns)
	}
}
