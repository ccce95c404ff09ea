package tracker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// api is a tracker's HTTP API: JSON in and out, one authorization.
type api struct {
	base string // no trailing slash
	auth string // the Authorization header, or ""
	hc   *http.Client
	ctx  context.Context
}

// statusError is an answer that was not 2xx, with what the server said.
type statusError struct {
	Status int
	Code   string // MLflow's error_code, when it sent one
	Body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body)
}

// call sends in (JSON; nil: no body) with method to path and decodes the
// answer into out (nil: ignored).
func (a *api) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	return a.send(method, a.base+path, "application/json", body, out, true)
}

// upload puts a file to a URL the tracker signed: without the credentials,
// which are the tracker's alone.
func (a *api) upload(url string, body io.Reader) error {
	return a.send(http.MethodPut, url, "application/octet-stream", body, nil, false)
}

// send is call for any body, to any URL; the credentials go only with auth
// and only to the tracker's own address.
func (a *api) send(method, url, contentType string, body io.Reader, out any, auth bool) error {
	req, err := http.NewRequestWithContext(a.ctx, method, url, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if auth && a.auth != "" && strings.HasPrefix(url, a.base+"/") {
		req.Header.Set("Authorization", a.auth)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		e := &statusError{Status: resp.StatusCode, Body: strings.TrimSpace(string(b))}
		var m struct {
			Code string `json:"error_code"`
		}
		if json.Unmarshal(b, &m) == nil {
			e.Code = m.Code
		}
		if len(e.Body) > 300 {
			e.Body = e.Body[:300] + "…"
		}
		return e
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}
