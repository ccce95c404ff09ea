package config

import (
	"strings"
	"testing"
)

// API keys, secret headers and URL passwords never reach cli_command or
// input_config, and the command stays pasteable into a shell.
func TestRedaction(t *testing.T) {
	got := RedactArgs([]string{"profile", "--api-key", "sk-1", "--api-key=sk-2", "-H", "Authorization: Bearer sk-3", "--header=X-Api-Key:sk-4",
		"-HCookie:c=sk-5", "--url", "http://u:sk-6@h:1", "--url=http://v:sk-7@h", "-H", "X-Request-ID: ok", "it's",
		"-uhttp://w:sk-8@h", "--url", "http://a@h,http://x:sk-9@h", "--server-metrics", "http://m:sk-10@h/metrics", "-H", "Ocp-Apim-Subscription-Key: sk-11"})
	for _, secret := range []string{"sk-1", "sk-2", "sk-3", "sk-4", "sk-5", "sk-6", "sk-7", "sk-8", "sk-9", "sk-10", "sk-11"} {
		if strings.Contains(got, secret) {
			t.Errorf("%s leaked: %s", secret, got)
		}
	}
	if !strings.Contains(got, "'X-Request-ID: ok'") || !strings.Contains(got, `'it'\''s'`) {
		t.Errorf("quoting: %s", got)
	}
	p := &Profile{APIKey: "sk-8", Header: []string{"Authorization: sk-9", "Accept: 1", "X-Anything: 2"}, URL: []string{"http://a:sk-10@h"},
		ServerMetrics: []string{"http://a:sk-11@h"}}
	c := p.Redacted()
	if c.Header[0] != "Authorization: <redacted>" || c.Header[1] != "Accept: 1" || c.Header[2] != "X-Anything: <redacted>" ||
		strings.Contains(c.URL[0], "sk-10") || p.URL[0] != "http://a:sk-10@h" || strings.Contains(c.ServerMetrics[0], "sk-11") {
		t.Errorf("redacted %+v", c)
	}
	if !SecretHeader("X-Auth-Token") || !SecretHeader("Ocp-Apim-Subscription-Key") || SecretHeader("X-Request-ID") {
		t.Error("SecretHeader")
	}
}

// AIPerf's JSON form of -H: validated, parsed, and redacted by name.
func TestJSONHeaders(t *testing.T) {
	kvs, err := ParseHeaders(`{"X-B":"2","X-A":"1"}`)
	if err != nil || len(kvs) != 2 || kvs[0] != [2]string{"X-A", "1"} {
		t.Fatalf("%v %v", kvs, err)
	}
	for _, bad := range []string{`{"X-A":1}`, `{"bad name":"x"}`, `{nope`, `NoColon`} {
		if _, err := ParseHeaders(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if got := RedactArgs([]string{"-H", `{"Authorization":"Bearer sk-1","X-A":"1"}`}); strings.Contains(got, "sk-1") || !strings.Contains(got, `X-A`) {
		t.Errorf("%s", got)
	}
	p := Profile{SessionArrivalRate: new(float64), SessionArrival: "gamma", ArrivalSmoothness: new(float64)}
	*p.SessionArrivalRate, *p.ArrivalSmoothness = 2, 0.5
	for _, err := range p.Validate() {
		if strings.Contains(err.Error(), "--arrival-smoothness") {
			t.Errorf("gamma session arrivals take --arrival-smoothness: %v", err)
		}
	}
}

// Every secret, from any flag or the parsed profile, is replaced in any
// text; short values are left to the targeted redaction.
func TestSecretsRedactEverywhere(t *testing.T) {
	p := &Profile{APIKey: "sk-from-env", Header: []string{"X-Gateway: gw-token-1"}}
	s := NewSecrets([]string{"-uhttp://u:pass-1@h,http://v:pass-2@i", "-HOcp-Apim-Subscription-Key:azure-key", "--api-key=sk-flag",
		"--server-metrics", "http://m:pass%2F3@h", "-H", "Authorization: Bearer tok-4", "-H", "X-Short: ab"}, p)
	text := "pass-1 pass-2 azure-key sk-flag pass/3 pass%2F3 tok-4 sk-from-env gw-token-1 ab"
	got := s.Redact(text)
	if got != strings.Repeat("<redacted> ", 9)+"ab" {
		t.Errorf("%q", got)
	}
	var b strings.Builder
	s.Writer(&b).Write([]byte("key azure-key\n"))
	if b.String() != "key <redacted>\n" {
		t.Errorf("writer: %q", b.String())
	}
	var none *Secrets
	if none.Redact("x") != "x" || NewSecrets(nil).Writer(&b) != &b {
		t.Error("no secrets: text unchanged, writer unwrapped")
	}
}
