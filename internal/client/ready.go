package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/plan"
)

// WaitForModel waits, with --wait-for-model-timeout, until every server
// answers: its models list (else /health), its /health, or a one-token
// request of its endpoint (--wait-for-model-mode inference; never counted).
// The clock of the run starts only after.
func (c *Client) WaitForModel(ctx context.Context) error {
	p := c.p
	if p.WaitForModelTimeout <= 0 {
		return nil
	}
	start := c.now()
	ctx, cancel := context.WithTimeout(ctx, time.Duration(p.WaitForModelTimeout*float64(time.Second)))
	defer cancel()
	hc := &http.Client{Timeout: 10 * time.Second}
	interval := time.Duration(max(p.WaitForModelInterval, 0.01) * float64(time.Second))
	for _, u := range c.plan.URLs() {
		last := ""
		for {
			ok, why := c.probeReady(ctx, hc, u)
			if ok {
				break
			}
			if ctx.Err() == nil || last == "" {
				last = why // not the probe our own deadline cut: the server's answer before it says more
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("--wait-for-model-timeout: %s was not ready after %.0f s (last answer: %s)", plan.BaseOf(u), p.WaitForModelTimeout, last)
			case <-time.After(interval):
			}
		}
	}
	c.say.infof("The server answered after %.1f s (--wait-for-model-mode %s)", c.now().Sub(start).Seconds(), p.WaitForModelMode)
	return nil
}

// Ask sends one request outside the run (readiness, cache reset,
// clock check) with the run's headers (the API key included) and reads the
// answer to its end; the response's body is closed.
func (c *Client) Ask(ctx context.Context, hc *http.Client, method, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range c.plan.Base().Header { // the requests' own, the API key included
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if c.sigv4 != nil {
		signed, err := c.sigv4.Sign(method, url, req.Header, nil, body, c.now())
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
func (c *Client) probeReady(ctx context.Context, hc *http.Client, endpointURL string) (bool, string) {
	base := plan.BaseOf(endpointURL)
	do := func(method, url string, body []byte) (int, string) {
		resp, err := c.Ask(ctx, hc, method, url, body)
		if err != nil {
			return 0, err.Error()
		}
		return resp.StatusCode, resp.Status
	}
	switch c.p.WaitForModelMode {
	case "health":
		code, why := do(http.MethodGet, base+"/health", nil)
		return code == http.StatusOK, why
	case "inference":
		probe := *c.plan.Codec()
		probe.Stream, probe.IncludeUsage = false, false
		b, err := probe.Build(nil, &endpoint.Input{Model: c.p.Model[0], History: []openai.Message{{Role: "user", Content: "Hi"}},
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

// ResetCache empties every server's prefix cache (--reset-kv-cache) before
// profiling; a server that refuses only gets a warning.
func (c *Client) ResetCache(ctx context.Context) {
	h := c.p.Hooks()
	if h.Reset == "" {
		return
	}
	hc := &http.Client{Timeout: h.ResetTimeout}
	for _, u := range c.plan.URLs() {
		url := plan.BaseOf(u) + h.Reset
		resp, err := c.Ask(ctx, hc, http.MethodPost, url, nil)
		if err != nil {
			c.say.Warn(fmt.Sprintf("--reset-kv-cache: POST %s: %v", url, err))
			continue
		}
		if resp.StatusCode/100 != 2 {
			c.say.Warn(fmt.Sprintf("--reset-kv-cache: POST %s answered %s; the cache was not reset.", url, resp.Status))
			continue
		}
		c.say.infof("Reset the prefix cache of %s", plan.BaseOf(u))
	}
}
