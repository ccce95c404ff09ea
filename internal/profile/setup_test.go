package profile

import (
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/config"
)

func TestRedactArgs(t *testing.T) {
	got := config.RedactArgs([]string{"profile", "--api-key", "sk-1", "--api-key=sk-2", "-H", "Authorization: Bearer sk-3",
		"--header=X-Api-Key: sk-4", "-HCookie: sk-5", "-H", "User-Agent: keep", "--url", "sim://?ttft=1ms&itl=1ms"})
	for _, secret := range []string{"sk-1", "sk-2", "sk-3", "sk-4", "sk-5"} {
		if strings.Contains(got, secret) {
			t.Errorf("%s leaked: %s", secret, got)
		}
	}
	for _, keep := range []string{"'User-Agent: keep'", "'sim://?ttft=1ms&itl=1ms'"} {
		if !strings.Contains(got, keep) {
			t.Errorf("%s lost: %s", keep, got)
		}
	}
	c := (&config.Profile{APIKey: "sk-6", Header: []string{"Authorization: sk-7"}}).Redacted()
	if c.Header[0] != "Authorization: <redacted>" {
		t.Errorf("config header %v", c.Header)
	}
}
