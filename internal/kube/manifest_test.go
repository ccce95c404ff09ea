package kube

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

// The manifests are valid Kubernetes objects: they decode strictly (no
// unknown or mistyped field) into the official API types, with the fields
// an Indexed Job of shards needs.
func TestManifestIsAValidIndexedJob(t *testing.T) {
	out, err := Manifest(Options{Name: "bench", Namespace: "perf", Image: "example.com/sonde:1", Shards: 4, Concurrency: 1000,
		Args: []string{"-m", "m", "--url", "http://vllm:8000", "--concurrency", "1000"}, RunID: "20261130t120000-abc123",
		StartTimeout: 10 * time.Minute, StartMargin: 5 * time.Second, PVC: "results",
		Spread: true, APIKeySecret: "llm:token", ExportPrefix: "run7"})
	if err != nil {
		t.Fatal(err)
	}
	var jobs []batchv1.Job
	for _, doc := range strings.Split(string(out), "\n---\n")[1:] {
		var j batchv1.Job
		if err := yaml.UnmarshalStrict([]byte(doc), &j); err != nil {
			t.Fatalf("not a valid Job: %v\n%s", err, doc)
		}
		jobs = append(jobs, j)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d objects, want the shards' Job and the merge Job", len(jobs))
	}
	shards, merge := jobs[0], jobs[1]
	s := shards.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || *s.Completions != 4 || *s.Parallelism != 4 {
		t.Errorf("not an Indexed Job of 4: %+v", s)
	}
	c := s.Template.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	// The shards start through a barrier on the volume, in a folder of this
	// run's own; no instant is fixed when the manifest is printed.
	for _, want := range []string{"profile -m m", "--shard-count 4", "--start-barrier /results/bench/.barrier/20261130t120000-abc123",
		"--start-barrier-timeout 600", "--start-barrier-margin 5", "--artifact-dir /results/bench"} {
		if !strings.Contains(args, want) {
			t.Errorf("shard args lack %q: %s", want, args)
		}
	}
	if c.Env[1].ValueFrom.SecretKeyRef.Name != "llm" || c.Env[1].ValueFrom.SecretKeyRef.Key != "token" {
		t.Errorf("API key not from the Secret: %+v", c.Env)
	}
	if c.Resources.Requests.Cpu().Value() != 1 || c.Resources.Requests.Memory().Value() < 128<<20 {
		t.Errorf("resources: %+v", c.Resources)
	}
	if shards.Namespace != "perf" || s.Template.Spec.Affinity.PodAntiAffinity == nil || s.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "results" {
		t.Errorf("namespace, spread or volume missing: %+v", s.Template.Spec)
	}
	if sc := c.SecurityContext; sc == nil || !*sc.RunAsNonRoot || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("not locked down: %+v", sc)
	}
	margs := merge.Spec.Template.Spec.Containers[0].Args
	if !slices.Equal(margs[:6], []string{"kube", "merge", "--from", "/results/bench", "--shards", "4"}) ||
		!slices.Equal(margs[len(margs)-2:], []string{"--profile-export-prefix", "run7"}) {
		t.Errorf("merge args: %v", margs)
	}
}

func TestManifestRefuses(t *testing.T) {
	base := Options{Name: "b", Image: "i", Shards: 2, PVC: "p", RunID: "r1", StartTimeout: time.Minute}
	for _, mut := range []func(o *Options){
		func(o *Options) { o.Args = []string{"--api-key", "secret"} },
		func(o *Options) { o.Args = []string{"--shard-index=1"} },
		func(o *Options) { o.Args = []string{"--start-barrier", "/x"} },
		func(o *Options) { o.RunID = "" },
		func(o *Options) { o.StartTimeout = 0 },
		func(o *Options) { o.PVC = "" },
		func(o *Options) { o.Name = "Bad_Name" },
		func(o *Options) { o.Image = "" },
		func(o *Options) { o.HeaderSecrets = []string{"Authorization"} },
		func(o *Options) { o.HeaderSecrets = []string{"X Y=s"} },
		func(o *Options) { o.HeaderSecrets = []string{"X=:k"} },
	} {
		o := base
		mut(&o)
		if out, err := Manifest(o); err == nil {
			t.Errorf("accepted %+v:\n%s", o, out)
		}
	}
}

// A header from a Secret: the pod's environment takes it from the Secret's
// key (the header's name in lower case by default), the args refer to it,
// and no value is in the manifest.
func TestHeaderSecrets(t *testing.T) {
	out, err := Manifest(Options{Name: "b", Image: "i", Shards: 2, PVC: "p", RunID: "r1", StartTimeout: time.Minute,
		HeaderSecrets: []string{"Authorization=gw:token", "X-Api-Key=keys"}})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"name: SONDE_HEADER_0", "name: gw", "key: token", "name: SONDE_HEADER_1", "name: keys", "key: x-api-key",
		"'Authorization: $(SONDE_HEADER_0)'", "'X-Api-Key: $(SONDE_HEADER_1)'"} {
		if !strings.Contains(text, want) {
			t.Errorf("manifest lacks %q", want)
		}
	}
	if strings.Count(text, "SONDE_HEADER_0") != 2 {
		t.Errorf("the merge Job got the header too, or the shards not:\n%s", text)
	}
}

// Each printed manifest gets a run id of its own: its barrier folder is
// never one an earlier run announced itself in.
func TestRunID(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	a, b := RunID(now), RunID(now)
	if !regexp.MustCompile(`^20261205t120000-[0-9a-f]{6}$`).MatchString(a) || a == b {
		t.Fatalf("%q %q", a, b)
	}
}
