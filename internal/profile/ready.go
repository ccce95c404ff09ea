package profile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/plan"
	"github.com/sonde-bench/sonde/internal/transport"
)

// waitForModel waits, with --wait-for-model-timeout, until every server
// answers: its models list (else /health), its /health, or a one-token
// request of its endpoint (--wait-for-model-mode inference; never counted).
// The clock of the run starts only after.
func (r *profileRun) waitForModel() error {
	p := r.p
	if p.WaitForModelTimeout <= 0 {
		return nil
	}
	start := r.now()
	ctx, cancel := context.WithTimeout(r.ctx, time.Duration(p.WaitForModelTimeout*float64(time.Second)))
	defer cancel()
	hc := &http.Client{Timeout: 10 * time.Second}
	interval := time.Duration(max(p.WaitForModelInterval, 0.01) * float64(time.Second))
	for _, u := range r.plan.URLs() {
		last := ""
		for {
			ok, why := r.probeReady(ctx, hc, u)
			if ok {
				break
			}
			last = why
			select {
			case <-ctx.Done():
				return fmt.Errorf("--wait-for-model-timeout: %s was not ready after %.0f s (last answer: %s)", baseOf(u), p.WaitForModelTimeout, last)
			case <-time.After(interval):
			}
		}
	}
	r.logf("The server answered after %.1f s (--wait-for-model-mode %s)", r.now().Sub(start).Seconds(), p.WaitForModelMode)
	return nil
}

// askServer sends one request outside the run (readiness, cache reset,
// clock check) with the run's headers (the API key included) and reads the
// answer to its end; the response's body is closed.
func (r *profileRun) askServer(ctx context.Context, hc *http.Client, method, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range plan.Headers(r.p, r.e.Version) {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if r.sigv4 != nil {
		signed, err := r.sigv4.Sign(method, url, req.Header, nil, body, r.now())
		if err != nil {
			return nil, err
		}
		for _, f := range signed {
			req.Header.Set(f.Key, f.Value)
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp, nil
}

// probeReady asks once; why says what the server answered instead.
func (r *profileRun) probeReady(ctx context.Context, hc *http.Client, endpointURL string) (bool, string) {
	base := baseOf(endpointURL)
	do := func(method, url string, body []byte) (int, string) {
		resp, err := r.askServer(ctx, hc, method, url, body)
		if err != nil {
			return 0, err.Error()
		}
		return resp.StatusCode, resp.Status
	}
	switch r.p.WaitForModelMode {
	case "health":
		code, why := do(http.MethodGet, base+"/health", nil)
		return code == http.StatusOK, why
	case "inference":
		probe := *r.codec
		probe.Stream, probe.IncludeUsage = false, false
		b, err := probe.Build(nil, &endpoint.Input{Model: r.p.Model[0], History: []openai.Message{{Role: "user", Content: "Hi"}},
			Batch: []string{"Hello"}, MaxTokens: 1})
		if err != nil {
			return false, err.Error()
		}
		code, why := do(http.MethodPost, endpointURL, b)
		return code == http.StatusOK, why
	}
	code, why := do(http.MethodGet, base+"/v1/models", nil)
	if code == http.StatusNotFound {
		code, why = do(http.MethodGet, base+"/health", nil)
	}
	return code == http.StatusOK, why
}

// resetCache empties every server's prefix cache (--reset-kv-cache) before
// profiling; a server that refuses only gets a warning.
func (r *profileRun) resetCache() {
	h := r.p.Hooks()
	if h.Reset == "" {
		return
	}
	hc := &http.Client{Timeout: h.ResetTimeout}
	for _, u := range r.plan.URLs() {
		url := baseOf(u) + h.Reset
		resp, err := r.askServer(r.ctx, hc, http.MethodPost, url, nil)
		if err != nil {
			r.warn(fmt.Sprintf("--reset-kv-cache: POST %s: %v", url, err))
			continue
		}
		if resp.StatusCode/100 != 2 {
			r.warn(fmt.Sprintf("--reset-kv-cache: POST %s answered %s; the cache was not reset.", url, resp.Status))
			continue
		}
		r.logf("Reset the prefix cache of %s", baseOf(u))
	}
}

// setUpSigning loads the AWS credentials for --auth-type sigv4 and says
// where they came from (never what they are).
func (r *profileRun) setUpSigning() error {
	region, service, on := r.p.Signing()
	if !on {
		return nil
	}
	creds, from, err := transport.LoadAWSCredentials(r.e.Getenv, os.ReadFile)
	if err != nil {
		return UsageError{Err: err}
	}
	r.sigv4 = transport.NewSigV4(creds, region, service)
	r.logf("Signing every request with AWS SigV4 for %s in %s, with the credentials of %s", service, region, from)
	return nil
}
