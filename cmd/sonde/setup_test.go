package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/sim"
)

// Spec §6.1 and §11.16: the run folder name.
func TestArtifactDir(t *testing.T) {
	p := &config.Profile{Model: []string{"Qwen/Qwen3-0.6B"}, EndpointType: "chat", ArtifactDir: "artifacts"}
	if got := artifactDir(p, plan{concurrency: 2}); got != filepath.Join("artifacts", "Qwen_Qwen3-0.6B-openai-chat-concurrency2") {
		t.Errorf("got %s", got)
	}
	p.Model = []string{"a", "b"}
	p.EndpointType = "completions"
	if got := artifactDir(p, plan{concurrency: 10, rate: 5}); got != filepath.Join("artifacts", "a_multi-openai-completions-concurrency10-request_rate5.0") {
		t.Errorf("got %s", got)
	}
	if got := artifactDir(p, plan{rate: 2.5}); !strings.HasSuffix(got, "-request_rate2.5") {
		t.Errorf("got %s", got)
	}
	p.ArtifactDirSet, p.ArtifactDir = true, "exact"
	if got := artifactDir(p, plan{concurrency: 2}); got != "exact" {
		t.Errorf("explicit dir must be used as is: %s", got)
	}
}

func TestRedactArgs(t *testing.T) {
	got := redactArgs([]string{"profile", "--api-key", "sk-1", "--api-key=sk-2", "-H", "Authorization: Bearer sk-3",
		"--header=X-Api-Key: sk-4", "-HCookie: sk-5", "-H", "X-Trace: keep", "--url", "sim://?ttft=1ms&itl=1ms"})
	for _, secret := range []string{"sk-1", "sk-2", "sk-3", "sk-4", "sk-5"} {
		if strings.Contains(got, secret) {
			t.Errorf("%s leaked: %s", secret, got)
		}
	}
	for _, keep := range []string{"'X-Trace: keep'", "'sim://?ttft=1ms&itl=1ms'"} {
		if !strings.Contains(got, keep) {
			t.Errorf("%s lost: %s", keep, got)
		}
	}
	c := redactedConfig(&config.Profile{APIKey: "sk-6", Header: []string{"Authorization: sk-7"}})
	if c.Header[0] != "Authorization: <redacted>" {
		t.Errorf("config header %v", c.Header)
	}
}

// The flags given are known by their canonical names, aliases included,
// and only they count: defaults do not.
func TestGivenFlags(t *testing.T) {
	var c cli
	parser, err := kong.New(&c, serveVars())
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := parser.Parse([]string{"profile", "-m", "m", "--artifact-dir", "x", "--request-rate-mode", "constant"})
	if err != nil {
		t.Fatal(err)
	}
	g := givenFlags(ctx)
	if !g["output-artifact-dir"] || !g["arrival-pattern"] || g["conversation-context-mode"] || g["url"] {
		t.Fatalf("given %v", g)
	}
}

// sonde serve and sim:// share one source of defaults and one set of names:
// every option key is a serve flag, serve with no flags is the default
// simulator, and each default's text sets the default value.
func TestServeDefaultsAreTheSimulators(t *testing.T) {
	var c serveCmd
	parser, err := kong.New(&c, serveVars())
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := parser.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.options(givenFlags(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sim.DefaultOptions()) {
		t.Fatalf("serve with no flags: %+v\nwant %+v", got, sim.DefaultOptions())
	}
	flags := map[string]bool{}
	for _, f := range ctx.Model.Node.Flags {
		flags[f.Name] = true
	}
	for _, k := range sim.Keys() {
		if !flags[k] {
			t.Errorf("simulator option %s has no sonde serve flag", k)
		}
		if k == "ttft" || k == "itl" {
			continue // setting either selects the fixed engine
		}
		o := sim.DefaultOptions()
		if err := o.Set(k, sim.Defaults()[k]); err != nil || !reflect.DeepEqual(o, sim.DefaultOptions()) {
			t.Errorf("default of %s (%q) does not set the default: %v", k, sim.Defaults()[k], err)
		}
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
