package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/sonde-bench/sonde/internal/plan"
)

// Fingerprint is what a run learns about the server it measures, before
// it measures (outside the measuring path, each ask bounded): the engine's
// /version, the model /v1/models serves (its id, owner, root and length),
// and the Server header of those answers. Two runs that differ in any of
// it measured different things (sonde compare and sonde ab say so).
func (c *Client) Fingerprint(ctx context.Context) map[string]string {
	out := map[string]string{}
	urls := c.plan.URLs()
	if len(urls) == 0 || c.sigv4 != nil { // AWS endpoints (SigV4, SageMaker) answer their API's paths only
		return out
	}
	base := plan.BaseOf(urls[0])
	hc := &http.Client{Timeout: 3 * time.Second}
	get := func(path string, v any) {
		resp, body, err := c.fetch(ctx, hc, base+path)
		if err != nil {
			return
		}
		if s := resp.Header.Get("Server"); s != "" {
			out["server_header"] = s
		}
		if resp.StatusCode == http.StatusOK {
			json.Unmarshal(body, v)
		}
	}
	var version struct {
		Version string `json:"version"`
	}
	get("/version", &version)
	if version.Version != "" {
		out["version"] = version.Version
	}
	var models struct {
		Data []struct {
			ID          string `json:"id"`
			OwnedBy     string `json:"owned_by"`
			Root        string `json:"root"`
			MaxModelLen int    `json:"max_model_len"`
		} `json:"data"`
	}
	get("/v1/models", &models)
	if len(models.Data) > 0 {
		m := models.Data[0]
		for k, v := range map[string]string{"model": m.ID, "owned_by": m.OwnedBy, "model_root": m.Root} {
			if v != "" {
				out[k] = v
			}
		}
		if m.MaxModelLen > 0 {
			out["max_model_len"] = itoa(m.MaxModelLen)
		}
	}
	return out
}

// fetch GETs url with the requests' headers: the answer and up to 1 MiB
// of its body.
func (c *Client) fetch(ctx context.Context, hc *http.Client, url string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range c.plan.Base().Header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, body, err
}

// ClientInfo is the measuring machine, for the same comparison.
func ClientInfo(version string) map[string]string {
	return map[string]string{"sonde_version": version, "os": runtime.GOOS, "arch": runtime.GOARCH, "cpus": itoa(runtime.NumCPU())}
}

func itoa(n int) string { return strconv.Itoa(n) }
