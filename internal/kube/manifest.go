// Package kube writes the Kubernetes objects that run one sonde profile as
// N shards: an Indexed Job (each pod gets $JOB_COMPLETION_INDEX, which
// sonde reads as its --shard-index), all starting at one --start-at, each
// writing its run folder to a shared volume, and a merge Job that waits for
// every shard and writes the merged run beside them. No controller, no
// client library: YAML for kubectl apply.
package kube

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Options describe the shards.
type Options struct {
	Name        string   // the Jobs' name prefix and the run folder's name
	Namespace   string   // "" for kubectl's current one
	Image       string   // an image with sonde as its entrypoint
	Shards      int      // pods, one shard each
	Concurrency int      // the run's total --concurrency (sizes each pod), 0 if none
	Args        []string // the profile flags (after `sonde profile`)
	// RunID names this run's start barrier on the volume, so a folder
	// reused from an earlier run (the same --name) holds no announcement
	// of this one.
	RunID string
	// StartTimeout and StartMargin: how long a shard waits for the others
	// before failing, and the margin after the last one is ready.
	StartTimeout, StartMargin time.Duration
	PVC                       string // a ReadWriteMany PersistentVolumeClaim for the results
	Spread                    bool   // prefer one shard per node (pod anti-affinity)
	APIKeySecret              string // Secret[:key] holding the API key, given as $SONDE_API_KEY
	// HeaderSecrets are NAME=SECRET[:KEY]: a request header whose value a
	// Secret holds, given to the pod as an environment variable that the
	// container's args refer to as $(VAR): never in the manifest.
	HeaderSecrets []string
	MergeWait     time.Duration
	ExportPrefix  string // the run's --profile-export-prefix, for the merge
}

// Check refuses what would make an unsafe or broken manifest.
func (o *Options) Check() error {
	switch {
	case o.Shards < 1:
		return fmt.Errorf("--shards must be at least 1")
	case o.Image == "":
		return fmt.Errorf("--image is required (an image whose entrypoint is sonde; see the Dockerfile)")
	case o.PVC == "":
		return fmt.Errorf("--pvc is required: the shards write their run folders to a shared volume the merge Job reads")
	case !validName(o.Name):
		return fmt.Errorf("--name %q is not a Kubernetes name (lower-case letters, digits and '-', at most 52)", o.Name)
	}
	if o.StartTimeout <= 0 || o.StartMargin < 0 {
		return fmt.Errorf("--start-barrier-timeout must be positive and --start-barrier-margin not negative")
	}
	if o.RunID == "" || !validName(o.RunID) {
		return fmt.Errorf("the run id %q is not a name of lower-case letters, digits and '-'", o.RunID)
	}
	for _, a := range o.Args {
		for _, f := range []string{"--api-key", "--shard-index", "--shard-count", "--start-at", "--start-barrier", "--artifact-dir", "--output-artifact-dir"} {
			if a == f || strings.HasPrefix(a, f+"=") {
				if f == "--api-key" {
					return fmt.Errorf("--api-key would be written into the manifest: put the key in a Secret and give --api-key-secret NAME[:KEY]")
				}
				return fmt.Errorf("%s is set by the manifest; leave it out of the profile flags", f)
			}
		}
	}
	for _, h := range o.HeaderSecrets {
		if _, _, _, err := headerSecret(h); err != nil {
			return err
		}
	}
	return nil
}

// headerSecret reads NAME=SECRET[:KEY]; the key defaults to the header's
// name in lower case.
func headerSecret(h string) (name, secret, key string, err error) {
	name, ref, ok := strings.Cut(h, "=")
	secret, key, hasKey := strings.Cut(ref, ":")
	if !hasKey {
		key = strings.ToLower(name)
	}
	if !ok || strings.TrimSpace(name) == "" || secret == "" || key == "" || strings.ContainsAny(name, ": \t") {
		return "", "", "", fmt.Errorf("--header-secret %q: want HEADER=SECRET[:KEY], for example Authorization=llm-gateway:token", h)
	}
	return name, secret, key, nil
}

// headerEnv is the environment variable of the i-th --header-secret.
func headerEnv(i int) string { return fmt.Sprintf("SONDE_HEADER_%d", i) }

func validName(s string) bool {
	if s == "" || len(s) > 52 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// resources sizes a shard's pod from its concurrency: a core per 256
// streams (sonde's measured cost leaves room), 128 MiB plus 64 KiB per
// stream (docs/PERFORMANCE.md measures under 60 KB).
func resources(concurrency, shards int) map[string]any {
	per := max(1, (concurrency+shards-1)/max(shards, 1))
	cpu := max(1, (per+255)/256)
	mem := 128 + (per*64+1023)/1024
	req := map[string]any{"cpu": strconv.Itoa(cpu), "memory": fmt.Sprintf("%dMi", mem)}
	lim := map[string]any{"memory": fmt.Sprintf("%dMi", 2*mem)}
	return map[string]any{"requests": req, "limits": lim}
}

const resultsPath = "/results"

func (o *Options) container(name string, args []string) map[string]any {
	env := []any{map[string]any{"name": "HOME", "value": "/tmp"}}
	if o.APIKeySecret != "" {
		secret, key, ok := strings.Cut(o.APIKeySecret, ":")
		if !ok {
			key = "api-key"
		}
		env = append(env, map[string]any{"name": "SONDE_API_KEY",
			"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": secret, "key": key}}})
	}
	if name == "sonde" {
		for i, h := range o.HeaderSecrets {
			hname, secret, key, _ := headerSecret(h)
			env = append(env, map[string]any{"name": headerEnv(i),
				"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": secret, "key": key}}})
			args = append(args, "-H", hname+": $("+headerEnv(i)+")") // expanded by Kubernetes in the pod
		}
	}
	return map[string]any{
		"name": name, "image": o.Image, "args": args, "env": env,
		"resources": resources(o.Concurrency, o.Shards),
		"volumeMounts": []any{
			map[string]any{"name": "results", "mountPath": resultsPath},
			map[string]any{"name": "tmp", "mountPath": "/tmp"},
		},
		"securityContext": map[string]any{"runAsNonRoot": true, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
			"capabilities": map[string]any{"drop": []any{"ALL"}}},
	}
}

func (o *Options) podSpec(c map[string]any, spread bool) map[string]any {
	spec := map[string]any{
		"restartPolicy": "Never",
		"containers":    []any{c},
		"volumes": []any{
			map[string]any{"name": "results", "persistentVolumeClaim": map[string]any{"claimName": o.PVC}},
			map[string]any{"name": "tmp", "emptyDir": map[string]any{}},
		},
	}
	if spread {
		spec["affinity"] = map[string]any{"podAntiAffinity": map[string]any{
			"preferredDuringSchedulingIgnoredDuringExecution": []any{map[string]any{
				"weight": 100,
				"podAffinityTerm": map[string]any{
					"topologyKey":   "kubernetes.io/hostname",
					"labelSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/instance": o.Name}},
				},
			}},
		}}
	}
	return spec
}

func (o *Options) meta(name string) map[string]any {
	m := map[string]any{"name": name, "labels": map[string]any{"app.kubernetes.io/name": "sonde", "app.kubernetes.io/instance": o.Name}}
	if o.Namespace != "" {
		m["namespace"] = o.Namespace
	}
	return m
}

// RunDir is where the shards write (shard_<i> inside) and the merge reads.
func (o *Options) RunDir() string { return resultsPath + "/" + o.Name }

// BarrierDir is where the shards announce themselves before starting.
func (o *Options) BarrierDir() string { return o.RunDir() + "/.barrier/" + o.RunID }

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// Manifest is the shards' Indexed Job and the merge Job, as YAML documents.
func Manifest(o Options) ([]byte, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	args := append([]string{"profile"}, o.Args...)
	args = append(args, "--shard-count", strconv.Itoa(o.Shards), "--start-barrier", o.BarrierDir(),
		"--start-barrier-timeout", seconds(o.StartTimeout), "--start-barrier-margin", seconds(o.StartMargin),
		"--artifact-dir", o.RunDir(), "--ui-type", "none")
	labels := map[string]any{"app.kubernetes.io/name": "sonde", "app.kubernetes.io/instance": o.Name}
	shards := map[string]any{
		"apiVersion": "batch/v1", "kind": "Job", "metadata": o.meta(o.Name + "-shards"),
		"spec": map[string]any{
			"completionMode": "Indexed", "completions": o.Shards, "parallelism": o.Shards, "backoffLimit": 0,
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec":     o.podSpec(o.container("sonde", args), o.Spread),
			},
		},
	}
	wait := o.MergeWait
	if wait <= 0 {
		wait = 24 * time.Hour
	}
	mergeArgs := []string{"kube", "merge", "--from", o.RunDir(), "--shards", strconv.Itoa(o.Shards),
		"--wait", seconds(wait), "-o", o.RunDir() + "/merged"}
	if o.ExportPrefix != "" {
		mergeArgs = append(mergeArgs, "--profile-export-prefix", o.ExportPrefix)
	}
	merge := map[string]any{
		"apiVersion": "batch/v1", "kind": "Job", "metadata": o.meta(o.Name + "-merge"),
		"spec": map[string]any{
			"backoffLimit": 0,
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "sonde-merge", "app.kubernetes.io/instance": o.Name}},
				"spec":     o.podSpec(o.container("merge", mergeArgs), false),
			},
		},
	}
	var b strings.Builder
	b.WriteString("# sonde: " + strconv.Itoa(o.Shards) + " shards of one run (" + o.RunID + "). Each prepares, announces itself in\n")
	b.WriteString("# " + o.BarrierDir() + " and waits for the others; all start " + seconds(o.StartMargin) + " s after the last is ready\n")
	b.WriteString("# (a shard missing after " + seconds(o.StartTimeout) + " s fails the run). Then a merge into " + o.RunDir() + "/merged.\n")
	for _, doc := range []any{shards, merge} {
		b.WriteString("---\n")
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
		enc.Close()
	}
	return []byte(b.String()), nil
}

// RunID names one applied manifest's run: its time and a random tail, so
// two manifests printed in the same second never share a start barrier.
func RunID(now time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return strings.ToLower(now.UTC().Format("20060102t150405")) + "-" + hex.EncodeToString(b[:])
}
