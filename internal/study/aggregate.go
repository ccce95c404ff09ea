package study

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/sonde-bench/sonde/internal/export"
)

// AggregateSchema is the version of the aggregate and sweep files' shape
// (AIPerf's aggregate exporter's, which versions them apart from the
// summary).
const AggregateSchema = "1.0"

type failedRun struct {
	Label string `json:"label"`
	Error string `json:"error"`
}

type aggregateMeta struct {
	AggregationType   string       `json:"aggregation_type"`
	NumProfileRuns    int          `json:"num_profile_runs"`
	NumSuccessfulRuns int          `json:"num_successful_runs"`
	ConfidenceLevel   float64      `json:"confidence_level"`
	RunLabels         []string     `json:"run_labels"`
	ArtifactDirs      []string     `json:"artifact_dirs"`
	Seeds             []uint64     `json:"random_seeds"`
	FailedRuns        []failedRun  `json:"failed_runs,omitempty"`
	Parameters        []Param      `json:"parameters,omitempty"`
	Convergence       *convergence `json:"convergence,omitempty"`
}

type convergence struct {
	Metric    string  `json:"metric"`
	Stat      string  `json:"stat"`
	Mode      string  `json:"mode"`
	Threshold float64 `json:"threshold"`
	Converged bool    `json:"converged"`
}

type aggregateFile struct {
	SchemaVersion string                `json:"schema_version"`
	Metadata      aggregateMeta         `json:"metadata"`
	Metrics       map[string]Confidence `json:"metrics"`
}

func (s *sweepStudy) writeAggregates() error {
	var errs []error
	if s.trials() > 1 {
		for i := range s.variations {
			dir := filepath.Join(s.dir, "aggregate")
			if len(s.variations) > 1 {
				dir = filepath.Join(dir, s.variations[i].Label)
			}
			errs = append(errs, s.writeConfidence(i, dir))
		}
	}
	if len(s.variations) > 1 {
		errs = append(errs, s.writeSweep())
	}
	return errors.Join(errs...)
}

// writeConfidence writes a variation's profile_export_aiperf_aggregate
// files and, when records were kept, the collated file.
func (s *sweepStudy) writeConfidence(i int, dir string) error {
	rs := s.results[i]
	ok := successful(rs)
	if len(ok) == 0 {
		return nil
	}
	meta := aggregateMeta{AggregationType: "confidence", NumProfileRuns: len(rs), NumSuccessfulRuns: len(ok),
		ConfidenceLevel: s.base.ConfidenceLevel, Parameters: s.variations[i].Params}
	var heads []map[string]Value
	for _, r := range rs {
		if r.headlines == nil || r.Error != "" {
			meta.FailedRuns = append(meta.FailedRuns, failedRun{r.Label, r.Error})
			continue
		}
		meta.RunLabels, meta.ArtifactDirs, meta.Seeds = append(meta.RunLabels, r.Label), append(meta.ArtifactDirs, r.Dir), append(meta.Seeds, r.seed)
		heads = append(heads, r.headlines)
	}
	if p := s.base; p.ConvergenceMetric != "" {
		meta.Convergence = &convergence{Metric: p.ConvergenceMetric, Stat: p.ConvergenceStat, Mode: p.ConvergenceMode,
			Threshold: p.ConvergenceThreshold, Converged: s.converged[i]}
	}
	agg := aggregateFile{SchemaVersion: AggregateSchema, Metadata: meta, Metrics: confideAll(heads, s.base.ConfidenceLevel)}
	title := "Repeated Runs"
	if len(s.variations) > 1 {
		title += " of " + s.variations[i].Label
	}
	printConfidence(s.e.Stdout, title, &agg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "profile_export_aiperf_aggregate.json")
	fmt.Fprintf(s.e.Stdout, "Aggregate Export: %s\n", path)
	errs := []error{
		writeJSON(path, agg),
		export.WriteFile(filepath.Join(dir, "profile_export_aiperf_aggregate.csv"), confidenceCSV(agg.Metrics)),
	}
	if s.base.ExportLevel != "summary" {
		errs = append(errs, s.writeCollated(ok, dir))
	}
	return errors.Join(errs...)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return export.WriteFile(path, append(b, '\n'))
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func opt(x *float64) string {
	if x == nil {
		return ""
	}
	return num(*x)
}

// confidenceCSV is one row per number: Metric,mean,std,min,max,cv,se,
// ci_low,ci_high,t_critical,unit.
func confidenceCSV(m map[string]Confidence) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"Metric", "mean", "std", "min", "max", "cv", "se", "ci_low", "ci_high", "t_critical", "unit"})
	for _, k := range slices.Sorted(maps.Keys(m)) {
		c := m[k]
		w.Write([]string{k, num(c.Mean), opt(c.Std), num(c.Min), num(c.Max), opt(c.CV), opt(c.SE), opt(c.CILow), opt(c.CIHigh), opt(c.TCritical), c.Unit})
	}
	w.Flush()
	return buf.Bytes()
}

// collatedStat is one per-request metric over every run's requests pooled.
type collatedStat struct {
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Count int     `json:"count"`
	Unit  string  `json:"unit"`
}

// writeCollated pools every run's per-request values (read back from their
// profile_export.jsonl) into one population: AIPerf's collated file.
func (s *sweepStudy) writeCollated(rs []runResult, dir string) error {
	type perRun struct {
		Label   string             `json:"label"`
		Metrics map[string]float64 `json:"metrics"`
	}
	var runs []perRun
	var files []export.Files
	for _, r := range rs {
		files = append(files, export.Files{Dir: r.Dir, Prefix: s.base.ExportPrefix})
		pr := perRun{Label: r.Label, Metrics: map[string]float64{}}
		for k, v := range r.headlines {
			if len(k) > 4 && k[len(k)-4:] == "_avg" {
				pr.Metrics[k[:len(k)-4]] = v.X
			}
		}
		runs = append(runs, pr)
	}
	rb, err := export.ReadRuns(files, "") // the reader `sonde merge` uses
	if err != nil {
		return fmt.Errorf("collating %s: %w", dir, err)
	}
	sum := rb.Acc.Summary()
	combined := map[string]collatedStat{}
	for i := range sum.Metrics {
		m := &sum.Metrics[i]
		if m.Scalar || m.Weighted {
			continue
		}
		st := m.Stats
		combined[m.Def.Tag] = collatedStat{Mean: st.Avg, Std: st.Std, P50: st.Pct(50), P90: st.Pct(90), P95: st.Pct(95), P99: st.Pct(99),
			Count: st.Count, Unit: m.Def.Unit}
	}
	return writeJSON(filepath.Join(dir, "profile_export_aiperf_collated.json"), struct {
		SchemaVersion string                  `json:"schema_version"`
		Combined      map[string]collatedStat `json:"combined"`
		PerRun        []perRun                `json:"per_run"`
	}{"1.0.0", combined, runs})
}
