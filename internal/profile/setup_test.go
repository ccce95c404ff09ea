package profile

import (
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
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

func TestScheduleWindow(t *testing.T) {
	conv := func(id string, ts float64) dataset.Conversation {
		return dataset.Conversation{ID: id, Turns: []dataset.Turn{{Timestamp: ts, HasTimestamp: true}}}
	}
	all := func() []dataset.Conversation {
		return []dataset.Conversation{conv("c", 3000), conv("a", 1000), conv("b", 2000), conv("d", 4000)}
	}
	start, end := int64(2000), int64(3000)
	p := &config.Profile{FixedStartOffset: &start, FixedEndOffset: &end}
	kept, zero, err := scheduleWindow(p, all())
	if err != nil || len(kept) != 2 || kept[0].ID != "b" || kept[1].ID != "c" || zero != 2000 {
		t.Fatalf("start/end: %v %v %v", kept, zero, err)
	}
	kept, zero, _ = scheduleWindow(&config.Profile{FixedAutoOffset: true}, all())
	if len(kept) != 4 || kept[0].ID != "a" || zero != 1000 {
		t.Fatalf("auto offset: %v %v", kept, zero)
	}
	if _, zero, _ = scheduleWindow(&config.Profile{}, all()); zero != 0 {
		t.Fatalf("no offset: zero %v", zero)
	}
	if _, _, err := scheduleWindow(&config.Profile{FixedEndOffset: new(int64)}, all()); err == nil {
		t.Fatal("an empty window must be an error")
	}
}

// §11.16: the user-centric gap is users / QPS.
func TestUserCentricGapVectors(t *testing.T) {
	for _, c := range []struct {
		qps float64
		gap time.Duration
	}{{1, 15 * time.Second}, {0.5, 30 * time.Second}, {4, 3750 * time.Millisecond}, {8, 1875 * time.Millisecond}} {
		users, qps := 15, c.qps
		pl := planOf(&config.Profile{UserCentricRate: &qps, NumUsers: &users})
		if pl.userGap != c.gap || pl.users != 15 {
			t.Errorf("15 users at %v QPS: gap %v", c.qps, pl.userGap)
		}
	}
}
