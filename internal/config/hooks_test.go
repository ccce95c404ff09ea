package config

import (
	"testing"
	"time"
)

// Any --server-profiler-* option turns the profiler on, with AIPerf's
// default paths and timeout.
func TestHooks(t *testing.T) {
	for _, c := range []struct {
		p    Profile
		want ServerHooks
	}{
		{Profile{}, ServerHooks{}},
		{Profile{ServerProfiler: true}, ServerHooks{"/start_profile", "/stop_profile", 30 * time.Second}},
		{Profile{ServerProfilerStart: "go"}, ServerHooks{"/go", "/stop_profile", 30 * time.Second}},
		{Profile{ServerProfilerStop: "/halt", ServerProfilerTimeout: 0.5}, ServerHooks{"/start_profile", "/halt", 500 * time.Millisecond}},
	} {
		if got := c.p.Hooks(); got != c.want {
			t.Errorf("%+v: %+v, want %+v", c.p, got, c.want)
		}
	}
}
