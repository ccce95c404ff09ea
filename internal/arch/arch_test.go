// Package arch holds a test that pins the allowed imports between sonde's
// packages, so data keeps flowing one way: a new edge is a design decision,
// made here on purpose, never by accident.
package arch

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/sonde-bench/sonde/"

// allowed lists, per package, the sonde packages its non-test files may import.
var allowed = map[string][]string{
	// cmd only parses, dispatches and maps errors to exit codes.
	"cmd/sonde": {"internal/calibrate", "internal/config", "internal/export", "internal/metrics", "internal/plan", "internal/proc", "internal/profile", "internal/record",
		"internal/sim", "internal/sim/httpapi", "internal/study", "internal/compare", "internal/kube", "internal/plot", "internal/report", "internal/twin"},
	"internal/calibrate": {"internal/clock", "internal/dataset", "internal/endpoint", "internal/engine", "internal/record",
		"internal/schedule", "internal/tokenizer", "internal/transport"},
	"internal/arch": {},
	// accuracy builds a task set's conversations and grades their answers.
	"internal/accuracy": {},
	// remote fetches a dataset named by URL into the cache.
	"internal/remote": {},
	"bench/minimal":   {}, // the reference client stands alone
	"internal/clock":  {},
	// config reads a rate series with schedule's parser and checks a
	// length distribution with dist's.
	"internal/config": {"internal/dist", "internal/schedule"},
	// adapt decides adaptive scale's steps from windows of answers.
	"internal/adapt": {"internal/metrics", "internal/record"},
	// dist is the sampling distributions of lengths: maths alone.
	"internal/dist":   {},
	"internal/corpus": {},
	// jsonw writes JSON as encoding/json would, without reflection.
	"internal/jsonw":     {},
	"internal/openai":    {},
	"internal/record":    {"internal/openai"},
	"internal/schedule":  {},
	"internal/ui":        {},
	"internal/tokenizer": {},
	"internal/dataset":   {"internal/corpus", "internal/dist", "internal/media", "internal/tokenizer"},
	"internal/media":     {},
	"internal/proc":      {}, // the process's own GC tuning and profiles: the standard library only
	"internal/endpoint":  {"internal/jsonw", "internal/openai"},
	// metrics is pure maths over records: never HTTP, never files.
	"internal/metrics":   {"internal/record"},
	"internal/transport": {"internal/clock", "internal/record"},
	// export owns the run folder: it writes every file in it and reads them
	// back (RunDir), the server-metrics and GPU files in telemetry's types.
	"internal/export": {"internal/dataset", "internal/endpoint", "internal/jsonw", "internal/metrics", "internal/openai", "internal/record",
		"internal/telemetry"},
	// engine only measures: requests in, records out; no counting, no files.
	"internal/engine":   {"internal/dataset", "internal/endpoint", "internal/openai", "internal/record", "internal/schedule", "internal/transport"},
	"internal/pipeline": {"internal/clock", "internal/export", "internal/metrics", "internal/record", "internal/tokenizer"},
	// plan resolves flags and dataset into what a run will do, before
	// anything is sent: the workload, the load of each phase, the files.
	"internal/plan": {"internal/accuracy", "internal/adapt", "internal/remote", "internal/clock", "internal/config", "internal/dataset", "internal/dist", "internal/endpoint", "internal/engine", "internal/export",
		"internal/metrics", "internal/openai", "internal/record", "internal/schedule", "internal/servertrace", "internal/sim/httpapi", "internal/tokenizer"},
	// client talks to the servers outside the measurement (readiness, cache
	// reset, clocks, profilers) and holds the measuring HTTP client.
	"internal/client": {"internal/barrier", "internal/clock", "internal/config", "internal/endpoint", "internal/engine", "internal/openai",
		"internal/plan", "internal/transport"},
	// output is everything a run shows and writes beside its requests: the
	// record pipeline, the server's view, pings, slices, the screen.
	"internal/output": {"internal/accuracy", "internal/adapt", "internal/clock", "internal/config", "internal/endpoint", "internal/engine", "internal/export", "internal/metrics",
		"internal/otel", "internal/pipeline", "internal/plan", "internal/record", "internal/servertrace", "internal/telemetry", "internal/tracker", "internal/ui"},
	// servertrace receives a server's spans and splits TTFT by them.
	"internal/servertrace": {"internal/metrics"},
	// tracker sends a finished run's summary and files to MLflow and W&B.
	"internal/tracker": {"internal/export"},
	// trackertest fakes MLflow and W&B for the tests.
	"internal/tracker/trackertest": {},
	// otel turns records into OpenTelemetry spans and metrics (the SDK).
	"internal/otel": {"internal/metrics", "internal/record"},
	// profile only orchestrates: plan, client, outputs, phases, summary.
	"internal/profile": {"internal/client", "internal/clock", "internal/config", "internal/engine", "internal/export", "internal/metrics",
		"internal/output", "internal/plan", "internal/record", "internal/sim", "internal/twin"},
	// twin fits the simulator's engine to measured runs and predicts runs
	// in virtual time (sim.Virtual); it reads run folders through export.
	"internal/twin": {"internal/config", "internal/engine", "internal/export", "internal/metrics", "internal/openai", "internal/record", "internal/schedule", "internal/sim",
		"internal/telemetry"},
	// plantest resolves plans from command lines for the tests.
	"internal/plan/plantest": {"internal/config", "internal/plan"},
	// sondetest holds what the tests share (golden files, a buffer).
	"internal/sondetest": {},
	// exporttest writes run folders for the tests of their readers.
	"internal/export/exporttest": {"internal/export", "internal/metrics", "internal/openai", "internal/record", "internal/telemetry"},
	// plot reads run folders and draws them.
	"internal/plot": {"internal/export", "internal/metrics", "internal/record"},
	// report writes one HTML page of run folders (plot reads them).
	"internal/report": {"internal/export", "internal/plot"},
	// kube only writes YAML.
	"internal/kube": {},
	// barrier starts a run's shards together; it knows nothing of the run.
	"internal/barrier": {},
	// compare reads two runs' files and tests their difference.
	"internal/compare": {"internal/export", "internal/metrics", "internal/record"},
	// telemetry reads servers' /metrics; it knows nothing of the run.
	"internal/telemetry": {},
	"internal/sim":       {"internal/clock", "internal/corpus", "internal/tokenizer"},
	// study only chooses runs' flags and aggregates their summaries;
	// optimize proposes a search's next point from its trials alone.
	"internal/study":       {"internal/compare", "internal/config", "internal/export", "internal/metrics", "internal/optimize", "internal/plan", "internal/profile", "internal/record"},
	"internal/optimize":    {},
	"internal/sim/httpapi": {"internal/accuracy", "internal/jsonw", "internal/media", "internal/openai", "internal/sim", "internal/tokenizer"},
}

func TestImportEdges(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		allow, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the import map: decide what it may import", pkg)
			return nil
		}
		seen[pkg] = true
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok && !slices.Contains(allow, dep) {
				t.Errorf("%s imports %s: not an allowed edge", filepath.Base(path), dep)
			}
		}
		return nil
	})
	for pkg := range allowed {
		if !seen[pkg] && pkg != "internal/arch" {
			t.Errorf("package %s in the import map has no files", pkg)
		}
	}
}
