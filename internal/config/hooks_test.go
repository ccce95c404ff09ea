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
		{Profile{ServerProfiler: true}, ServerHooks{ProfilerStart: "/start_profile", ProfilerStop: "/stop_profile", ProfilerTimeout: 30 * time.Second}},
		{Profile{ServerProfilerStart: "go"}, ServerHooks{ProfilerStart: "/go", ProfilerStop: "/stop_profile", ProfilerTimeout: 30 * time.Second}},
		{Profile{ServerProfilerStop: "/halt", ServerProfilerTimeout: 0.5}, ServerHooks{ProfilerStart: "/start_profile", ProfilerStop: "/halt", ProfilerTimeout: 500 * time.Millisecond}},
		{Profile{ResetKVCache: true, ResetKVCachePath: "reset", ResetKVCacheTimeout: 2}, ServerHooks{Reset: "/reset", ResetTimeout: 2 * time.Second}},
	} {
		if got := c.p.Hooks(); got != c.want {
			t.Errorf("%+v: %+v, want %+v", c.p, got, c.want)
		}
	}
}
