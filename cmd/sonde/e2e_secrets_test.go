package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Secrets planted in every flag, header form, URL position and config
// field reach neither the console, the log, nor any artifact, whatever
// the verbosity; --print-config hides them too.
func TestSecretsNeverWritten(t *testing.T) {
	sim := startSim(t, "--ttft", "1ms", "--itl", "100us")
	hostPort := strings.TrimPrefix(sim.addr, "http://")
	dir := filepath.Join(t.TempDir(), "out")
	cfg := filepath.Join(t.TempDir(), "bench.yaml")
	os.WriteFile(cfg, []byte("benchmark:\n  endpoint:\n    headers: {X-Gateway-Token: file-hdr-s3cret}\n"), 0o644)
	args := []string{"profile", "-m", "m", "--tokenizer", "builtin", "--streaming",
		"-uhttp://a:url1-s3cret@" + hostPort + ",http://b:url2-s3cret@" + hostPort,
		"--server-metrics", "http://m:metrics-s3cret@" + hostPort + "/metrics",
		"-HOcp-Apim-Subscription-Key:azure-s3cret", "--header", `{"X-Custom-Auth":"json-hdr-s3cret","X-Request-ID":"fine"}`,
		"--header=Authorization: Bearer bearer-s3cret", "--config", cfg,
		"--request-count", "4", "--isl", "5", "--osl", "2", "--ui-type", "none", "--artifact-dir", dir, "--export-level", "raw", "-vv"}
	secrets := []string{"url1-s3cret", "url2-s3cret", "metrics-s3cret", "azure-s3cret", "json-hdr-s3cret", "bearer-s3cret", "file-hdr-s3cret", "env-key-s3cret"}
	res := runSondeEnv(t, env{Getenv: func(k string) string {
		if k == "SONDE_API_KEY" {
			return "env-key-s3cret"
		}
		return os.Getenv(k)
	}}, args...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, s := range secrets {
		assertNoSecret(t, dir, res, s)
	}
	printed := runSonde(t, append(args, "--print-config")...)
	for _, s := range secrets[:7] {
		if strings.Contains(printed.stdout+printed.stderr, s) {
			t.Errorf("--print-config shows %s", s)
		}
	}
}

// A manifest never holds a secret: secret headers and URL passwords in the
// profile flags are refused without printing them; --header-secret puts a
// header's value in a Secret the pod reads.
func TestKubeManifestHoldsNoSecret(t *testing.T) {
	base := []string{"kube", "manifest", "--shards", "2", "--image", "sonde:1", "--pvc", "results", "--", "-m", "m", "--concurrency", "4"}
	for _, bad := range [][]string{{"--url", "http://u:pw-s3cret@h:8000"}, {"-H", "Authorization: Bearer tok-s3cret"}, {"-HOcp-Apim-Subscription-Key:k-s3cret"}} {
		res := runSonde(t, append(append([]string{}, base...), bad...)...)
		if res.code != exitUsage || strings.Contains(res.stdout+res.stderr, "s3cret") || !strings.Contains(res.stderr, "--header-secret") {
			t.Errorf("%v: exit %d, %s%s", bad, res.code, res.stdout, res.stderr)
		}
	}
	res := runSonde(t, append(base[:8:8], "--header-secret", "Authorization=gateway:token", "--", "-m", "m")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{"SONDE_HEADER_0", "name: gateway", "key: token", "'Authorization: $(SONDE_HEADER_0)'"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("manifest lacks %q:\n%s", want, res.stdout)
		}
	}
}
