package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
	got = OptionalValues([]string{"profile", "--stream", "metrics", "timing", "--otel-resource-attributes", "a=b", "c=d", "--otel-url", "h", "--stream", "default"})
	want = []string{"profile", "--stream", "metrics,timing", "--otel-resource-attributes", "a=b,c=d", "--otel-url", "h", "--stream", "default"}
	if !slices.Equal(got, want) {
		t.Errorf("%v", got)
	}
}

func TestOTelFlags(t *testing.T) {
	for raw, want := range map[string]string{"h": "http://h:4318", "h:1": "http://h:1", "https://c.example": "https://c.example:4318", "grpc://h": "grpc://h:4317"} {
		u, grpc, err := OTelEndpoint(raw)
		if err != nil || u.String() != want || grpc != strings.HasPrefix(want, "grpc") {
			t.Errorf("%s: %v %v %v", raw, u, grpc, err)
		}
	}
	for _, raw := range []string{"ftp://h", "http://", "http://h:x:y"} {
		if _, _, err := OTelEndpoint(raw); err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
	p := Profile{OTelURL: "h", OTelStream: []string{"timing", "bogus"}, OTelAttributes: []string{"a=b", "novalue"}}
	if errs := p.checkOTel(); len(errs) != 2 {
		t.Errorf("%v", errs)
	}
	if m, tm := p.OTelStreams(); m || !tm {
		t.Errorf("streams %v %v", m, tm)
	}
	if errs := (&Profile{GenAIProvider: "x"}).checkOTel(); len(errs) != 1 {
		t.Errorf("%v", errs)
	}
	zero, half := 0.0, 0.5
	bad := Profile{StatsInterval: &zero, CollectServerTraces: "no-port", ServerTracesWait: -1}
	if errs := bad.checkOTel(); len(errs) != 3 {
		t.Errorf("%v", errs)
	}
	if d := (&Profile{StatsInterval: &half}).StatsEvery(time.Second); d != 500*time.Millisecond {
		t.Errorf("--stats-interval 0.5: %v", d)
	}
	if d := (&Profile{}).StatsEvery(time.Second); d != time.Second {
		t.Errorf("no --stats-interval: %v", d)
	}
}

func TestMarkGiven(t *testing.T) {
	var p Profile
	p.MarkGiven(map[string]bool{"output-artifact-dir": true, "dataset-sampling-strategy": true})
	if !p.ArtifactDirSet || !p.SamplingSet || p.ArrivalPatternSet || p.ContextModeSet {
		t.Errorf("%+v", p)
	}
}
