package plan

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/sim/httpapi"
)

// endpointURLs turns --url values into request URLs (AIPerf: base without
// trailing '/', then the path; http:// added when no scheme). sim:// URLs
// start an in-process simulator on a loopback port first; stop shuts them
// down and waits until they have flushed their record files.
func endpointURLs(ctx context.Context, p *config.Profile, path, traces string, logf func(string, ...any)) (urls []string, sims []*httpapi.Running, stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	stopAll := func() {
		cancel()
		for _, s := range sims {
			<-s.Done
		}
	}
	defer func() {
		if err != nil {
			stopAll()
		}
	}()
	for _, raw := range p.URL {
		raw = strings.TrimSpace(raw)
		if strings.HasPrefix(raw, "sim://") {
			s, err := httpapi.StartURL(ctx, withTraces(raw, traces))
			var bad httpapi.BadURLError
			if errors.As(err, &bad) {
				return nil, nil, nil, UsageError{err}
			}
			if err != nil {
				return nil, nil, nil, err
			}
			sims = append(sims, s)
			logf("Simulator started on http://%s (%s)", s.Addr, s.Description)
			raw = "http://" + s.Addr.String()
		} else if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		base, endpointPath := strings.TrimRight(raw, "/"), "/"+strings.Trim(path, "/")
		if path == "" || strings.HasSuffix(base, endpointPath) {
			urls = append(urls, base) // the URL names the endpoint already, as AIPerf allows
			continue
		}
		urls = append(urls, base+endpointPath)
	}
	return urls, sims, stopAll, nil
}

// headers are AIPerf's request headers; user headers come last and win.
func headers(p *config.Profile, version string) http.Header {
	h := http.Header{}
	h.Set("User-Agent", "sonde/"+version)
	h.Set("Content-Type", "application/json")
	if endpoint.FormEncoded(endpoint.Canonical(p.EndpointType), p.RequestContentType) {
		h.Set("Content-Type", "multipart/form-data; boundary="+endpoint.MultipartBoundary)
	}
	if p.Streaming {
		h.Set("Accept", "text/event-stream")
	} else {
		h.Set("Accept", "application/json")
	}
	anthropic := endpoint.Canonical(p.EndpointType) == endpoint.Messages
	switch {
	case p.APIKey != "" && anthropic:
		h.Set("X-Api-Key", p.APIKey)
	case p.APIKey != "":
		h.Set("Authorization", "Bearer "+p.APIKey)
	}
	if anthropic {
		h.Set("Anthropic-Version", "2023-06-01")
	}
	for _, raw := range p.Header {
		kvs, _ := config.ParseHeaders(raw) // validated already
		for _, kv := range kvs {
			h.Set(kv[0], kv[1])
		}
	}
	return h
}

// artifactDir follows AIPerf: <dir>/<model>-openai-<type>-<stimulus> unless
// the directory was given explicitly.
func artifactDir(p *config.Profile, pl load) string {
	if p.ArtifactDirSet {
		return p.ArtifactDir
	}
	return filepath.Join(p.ArtifactDir, runName(p, pl))
}

// RunName is the folder name a run of p gets under --artifact-dir when
// none is given: <model>-openai-<type>-<stimulus>.
func RunName(p *config.Profile) string { return runName(p, planOf(p)) }

// ServiceName is <model>-openai-<type>, the start of every run folder name.
func ServiceName(p *config.Profile) string {
	model := strings.ReplaceAll(p.Model[0], "/", "_")
	if len(p.Model) > 1 {
		model += "_multi"
	}
	return model + "-" + endpoint.Type(p.EndpointType).ServiceKind()
}

func runName(p *config.Profile, pl load) string {
	if p.FixedSchedule { // a trace replayed on its timestamps: no load flag set it
		return ServiceName(p) + "-fixed_schedule"
	}
	var stim []string
	if pl.concurrency > 0 {
		stim = append(stim, "concurrency"+strconv.Itoa(pl.concurrency))
	}
	switch {
	case pl.users > 0:
		stim = append(stim, "user_centric_rate"+pyFloat(float64(pl.users)/pl.userGap.Seconds()), "users"+strconv.Itoa(pl.users))
	case pl.sessionRate:
		stim = append(stim, "session_rate"+pyFloat(pl.rate))
	case pl.rate > 0:
		stim = append(stim, "request_rate"+pyFloat(pl.rate))
	}
	name := ServiceName(p)
	if len(stim) > 0 {
		name += "-" + strings.Join(stim, "-")
	}
	return name
}

// pyFloat formats like Python's str(float): 5 → "5.0", 2.5 → "2.5".
func pyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// parseExtra validates --extra-inputs.
func parseExtra(p *config.Profile) ([]endpoint.Field, error) {
	f, err := endpoint.ParseExtraInputs(p.ExtraInputs)
	if err != nil {
		return nil, UsageError{err}
	}
	return f, nil
}

// reuseOf maps --connection-reuse-strategy to the engine's strategy.
func reuseOf(flag string) engine.Reuse {
	switch flag {
	case config.ReuseNever:
		return engine.ReuseNever
	case config.ReuseSticky:
		return engine.ReuseSticky
	}
	return engine.ReusePooled
}

// BaseOf is scheme://host of an endpoint URL.
func BaseOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return u
	}
	return p.Scheme + "://" + p.Host
}

// withTraces makes a sim:// URL send its spans to the run's receiver
// (--collect-server-traces), unless it names an endpoint of its own.
func withTraces(raw, traces string) string {
	if traces == "" || strings.Contains(raw, "otlp-traces-endpoint=") {
		return raw
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + "otlp-traces-endpoint=" + url.QueryEscape(traces)
}
