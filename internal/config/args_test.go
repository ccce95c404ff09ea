package config

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// -f finds the config file in each of its spellings, for profile alone;
// its ${VARS} come from getenv.
func TestFileOf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("models: [m]\nendpoint:\n  urls: [\"${U}\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return map[string]string{"U": "h:1"}[k] }
	for _, args := range [][]string{{"profile", "-f", path}, {"profile", "--config", path}, {"profile", "--config=" + path}, {"profile", "-f" + path}, {"profile", "-f=" + path}} {
		fv, err := FileOf(args, getenv)
		if err != nil || fv == nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	for _, args := range [][]string{{"serve", "-f", path}, {"profile"}, {"profile", "--", "-f", path}, nil} {
		if fv, err := FileOf(args, getenv); fv != nil || err != nil {
			t.Errorf("%v: %v %v", args, fv, err)
		}
	}
}

func TestOptionalValues(t *testing.T) {
	got := OptionalValues([]string{"profile", "--gpu-telemetry", "--streaming", "--gpu-telemetry", "h:9400", "--gpu-telemetry"})
	want := []string{"profile", "--gpu-telemetry", "default", "--streaming", "--gpu-telemetry", "h:9400", "--gpu-telemetry", "default"}
	if !slices.Equal(got, want) {
		t.Errorf("%v", got)
	}
}

func TestMarkGiven(t *testing.T) {
	var p Profile
	p.MarkGiven(map[string]bool{"output-artifact-dir": true, "dataset-sampling-strategy": true})
	if !p.ArtifactDirSet || !p.SamplingSet || p.ArrivalPatternSet || p.ContextModeSet {
		t.Errorf("%+v", p)
	}
}
