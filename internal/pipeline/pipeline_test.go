package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

func TestStreamsByLevel(t *testing.T) {
	for _, c := range []struct {
		level   string
		outputs bool
		want    []string
	}{
		{LevelSummary, false, nil},
		{LevelSummary, true, []string{"outputs"}},
		{LevelRecords, false, []string{"records"}},
		{LevelRaw, false, []string{"records", "raw", "outputs"}},
	} {
		if got := Streams(c.level, c.outputs); !slices.Equal(got, c.want) {
			t.Errorf("%s %v: %v, want %v", c.level, c.outputs, got, c.want)
		}
	}
	if _, err := Exporter("parquet", export.Files{}); err == nil {
		t.Error("an unknown exporter was built")
	}
}

// The lifecycle: every exporter by name starts, takes records and closes
// into its file; a failure to start closes those started; every failure
// to close is reported, joined.
func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	files := export.Files{Dir: dir}
	var sinks []Sink
	for _, name := range Streams(LevelRaw, true) {
		s, err := Exporter(name, files)
		if err != nil {
			t.Fatal(err)
		}
		sinks = append(sinks, s)
	}
	acc := Accumulate{metrics.NewAccumulator(metrics.Options{})}
	sinks = append(sinks, acc)
	if err := Start(sinks); err != nil {
		t.Fatal(err)
	}
	r := &record.Record{Phase: record.PhaseProfiling, StartNs: 1, EndNs: 9, Output: "hi", HasOutput: true, OutputTokens: 1,
		Responses: []record.Response{{Ns: 5, Content: 2}}, Raw: &record.Raw{Body: []byte(`{}`)}}
	v := metrics.Compute(r, false)
	for _, s := range sinks {
		s.Put(r, &v)
	}
	if err := Close(sinks); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{files.Records(), files.Raw(), files.Outputs()} {
		if b, err := os.ReadFile(f); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if acc.Summary().RequestCount != 1 {
		t.Error("the accumulator missed the record")
	}

	// A folder that does not exist: the first exporter cannot start.
	bad := export.Files{Dir: filepath.Join(dir, "no", "such")}
	s, _ := Exporter("records", bad)
	if err := Start([]Sink{s}); err == nil {
		t.Fatal("started into a missing folder")
	}
	o, _ := Exporter("outputs", bad)
	if err := Close([]Sink{o, o}); err == nil || strings.Count(err.Error(), "writing") != 2 || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("closing into a missing folder: %v", err)
	}
}
