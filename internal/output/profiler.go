package output

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/plan"
)

// serverProfiler starts each server's profiler (--server-profiler: vLLM's
// and SGLang's POST /start_profile) just before the profiling phase and
// stops it once every response is in, so that the trace holds the phase
// and nothing else: an output. As AIPerf: a server that refuses to start
// fails the run (the profiling itself still runs and is written), the
// profilers already started are stopped; every stop is tried.
type serverProfiler struct {
	origins []string // each server once
	hooks   config.ServerHooks
	ask     func(ctx context.Context, hc *http.Client, method, url string, body []byte) (*http.Response, error)
	log     func(string)
	started []string
}

// NewServerProfiler starts and stops the profilers of the servers of urls,
// asking them with ask.
func NewServerProfiler(urls []string, hooks config.ServerHooks, ask func(ctx context.Context, hc *http.Client, method, url string, body []byte) (*http.Response, error), log func(string)) Output {
	var origins []string
	for _, u := range urls {
		if o := plan.BaseOf(u); !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	return &serverProfiler{origins: origins, hooks: hooks, ask: ask, log: log}
}

func (sp *serverProfiler) Start(ctx context.Context) error {
	for _, o := range sp.origins {
		if err := sp.post(ctx, o+sp.hooks.ProfilerStart); err != nil {
			return errors.Join(err, sp.Stop())
		}
		sp.started = append(sp.started, o)
		sp.log("Started the server profiler of " + o)
	}
	return nil
}

// Stop stops every profiler started, even when the run was interrupted (its
// own deadline, not the run's context).
func (sp *serverProfiler) Stop() error {
	var errs []error
	for _, o := range slices.Backward(sp.started) {
		if err := sp.post(context.Background(), o+sp.hooks.ProfilerStop); err != nil {
			errs = append(errs, err)
			continue
		}
		sp.log("Stopped the server profiler of " + o)
	}
	sp.started = nil
	return errors.Join(errs...)
}

// post sends one control request within the hooks' timeout.
func (sp *serverProfiler) post(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, sp.hooks.ProfilerTimeout)
	defer cancel()
	resp, err := sp.ask(ctx, &http.Client{}, http.MethodPost, url, nil)
	if err != nil {
		return fmt.Errorf("--server-profiler: POST %s: %w", url, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("--server-profiler: POST %s answered %s", url, resp.Status)
	}
	return nil
}
