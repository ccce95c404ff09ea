package plan

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
)

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

// A --url that already ends with the endpoint path is used as is.
func TestURLWithEndpointPath(t *testing.T) {
	for _, u := range []string{"http://h:1/v1/chat/completions", "http://h:1/v1/chat/completions/", "h:1"} {
		urls, _, stop, err := endpointURLs(t.Context(), &config.Profile{URL: []string{u}}, "/v1/chat/completions", "", func(string, ...any) {})
		if err != nil {
			t.Fatal(err)
		}
		stop()
		if urls[0] != "http://h:1/v1/chat/completions" {
			t.Errorf("%s → %s", u, urls[0])
		}
	}
}

func TestRunNames(t *testing.T) {
	c := 4
	p := &config.Profile{Model: []string{"org/m"}, EndpointType: "chat", Streaming: true, Concurrency: &c}
	if got := RunName(p); !strings.Contains(got, "org_m") || !strings.Contains(got, "concurrency4") {
		t.Errorf("RunName %q", got)
	}
	if got := ServiceName(p); !strings.HasPrefix(got, "org_m") {
		t.Errorf("ServiceName %q", got)
	}
}

func TestHelpers(t *testing.T) {
	if h := sessionHeaders(&config.Profile{SessionAffinity: true}, func(k string) string {
		if k == "AIPERF_HTTP_X_DYNAMO_SESSION_ID_FROM_CORRELATION_ID" {
			return "1"
		}
		return ""
	}); len(h) != 2 {
		t.Fatalf("session headers %v", h)
	}
	if pyFloat(5) != "5.0" || pyFloat(2.5) != "2.5" || randomSeed(&config.Profile{}) == randomSeed(&config.Profile{}) {
		t.Fatal("helpers")
	}
}

// A concurrency the open-file limit cannot hold is refused up front.
func TestOpenFileLimit(t *testing.T) {
	p := &config.Profile{URL: []string{"sim://"}}
	var ue UsageError
	if err := checkOpenFiles(p, load{concurrency: 1000}, 1024); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--concurrency 1000 needs about 2064 open files") {
		t.Fatalf("%v", err)
	}
	if err := checkOpenFiles(p, load{concurrency: 100}, 1024); err != nil {
		t.Fatal(err)
	}
	if err := checkOpenFiles(p, load{rate: 10}, 16); err != nil {
		t.Fatal("rate mode without a ceiling was refused")
	}
	if err := checkOpenFiles(p, load{concurrency: 10_000_000, maxRequests: 4}, 1024); err != nil {
		t.Fatalf("4 requests need 4 connections, whatever --concurrency: %v", err)
	}
	w := &config.Profile{URL: []string{"http://h"}, WarmupConnections: 100000}
	if err := checkOpenFiles(w, load{concurrency: 1}, 1024); err == nil || !strings.HasPrefix(err.Error(), "--warmup-connections 100000 needs") {
		t.Fatalf("warm-up connections over the limit: %v", err)
	}
}
