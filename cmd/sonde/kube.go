package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/kube"
)

// kubeCmd is `sonde kube`: manifests that run one profile as shards of a
// Kubernetes Indexed Job, and the merge those manifests run.
type kubeCmd struct {
	Manifest kubeManifestCmd `cmd:"" help:"Print an Indexed Job running 'sonde profile [flags]' as --shards shards, and the Job that merges them."`
	Merge    kubeMergeCmd    `cmd:"" help:"Wait for every shard's folder, then merge them (what the merge Job runs)."`
}

type kubeManifestCmd struct {
	Shards       int           `required:"" placeholder:"N" help:"Pods, one shard each."`
	Image        string        `required:"" placeholder:"IMAGE" help:"An image whose entrypoint is sonde (see the Dockerfile)."`
	PVC          string        `name:"pvc" required:"" placeholder:"CLAIM" help:"A ReadWriteMany PersistentVolumeClaim: the shards write their folders there, the merge reads them."`
	Name         string        `default:"sonde" help:"Name of the Jobs and of the run folder on the volume."`
	Namespace    string        `help:"Namespace of the Jobs (default: kubectl's current one)."`
	StartTimeout time.Duration `name:"start-barrier-timeout" default:"10m" help:"How long a ready shard waits for the others (pods pending, images pulling) before the run fails."`
	StartMargin  time.Duration `name:"start-barrier-margin" default:"5s" help:"The common start comes this long after the last shard is ready (time for every shard to see it on the volume)."`
	Spread       bool          `help:"Prefer one shard per node (pod anti-affinity)."`
	APIKeySecret string        `name:"api-key-secret" placeholder:"SECRET[:KEY]" help:"A Secret holding the API key (key 'api-key' by default), given to sonde as $SONDE_API_KEY."`
	HeaderSecret []string      `name:"header-secret" placeholder:"HEADER=SECRET[:KEY]" help:"A request header whose value a Secret holds (key: the header's name in lower case by default); repeatable. Secret headers and URL passwords are refused in the profile flags."`
	Args         []string      `arg:"" optional:"" passthrough:"" help:"The 'sonde profile' flags of the run (totals: --concurrency, --request-count, rates)."`
}

func (c *kubeManifestCmd) Run(e env) error {
	if len(c.Args) > 0 && c.Args[0] == "--" {
		c.Args = c.Args[1:]
	}
	// The profile flags must parse as they would in the pods.
	var check cli
	var out []byte
	if _, code := parse(env{Args: append([]string{"profile"}, c.Args...), Stdout: io.Discard, Stderr: io.Discard}, &check, nil); code >= 0 {
		return usageError{Err: fmt.Errorf("sonde kube manifest: the profile flags do not parse: sonde profile %v", c.Args)}
	}
	check.Profile.ResolveLists()
	if found := config.NewSecrets(c.Args).Found(); len(found) > 0 {
		return usageError{Err: fmt.Errorf("sonde kube manifest: %s would be written into the manifest in clear: put it in a Secret and give --header-secret HEADER=SECRET[:KEY] (a URL's password as Authorization=SECRET, the Secret holding 'Basic <base64 of user:password>'; the API key with --api-key-secret)", found[0])}
	}
	conc := 0
	if check.Profile.Concurrency != nil {
		conc = *check.Profile.Concurrency
	}
	out, err := kube.Manifest(kube.Options{Name: c.Name, Namespace: c.Namespace, Image: c.Image, Shards: c.Shards, Concurrency: conc,
		Args: c.Args, RunID: kube.RunID(time.Now()), StartTimeout: c.StartTimeout, StartMargin: c.StartMargin, PVC: c.PVC, Spread: c.Spread,
		APIKeySecret: c.APIKeySecret, HeaderSecrets: c.HeaderSecret, ExportPrefix: check.Profile.ExportPrefix})
	if err != nil {
		return usageError{Err: err}
	}
	_, err = e.Stdout.Write(out)
	return err
}

type kubeMergeCmd struct {
	From    string  `required:"" placeholder:"DIR" help:"The run folder holding shard_0 … shard_<N-1>."`
	Shards  int     `required:"" placeholder:"N" help:"How many shards to wait for."`
	Wait    float64 `default:"0" placeholder:"SEC" help:"Wait up to this long for every shard's summary to appear."`
	Output  string  `name:"output" short:"o" required:"" placeholder:"DIR" help:"The merged run's folder."`
	Goodput string  `name:"goodput" help:"SLOs for goodput, as for 'sonde profile --goodput'."`
	Prefix  string  `name:"profile-export-prefix" help:"The shards' --profile-export-prefix, if any."`
}

func (c *kubeMergeCmd) Run(e env) error {
	var dirs []string
	for i := range c.Shards {
		dirs = append(dirs, filepath.Join(c.From, "shard_"+strconv.Itoa(i)))
	}
	w := export.SummaryWait{Prefix: c.Prefix, Wait: time.Duration(c.Wait * float64(time.Second)), Poll: 2 * time.Second, Now: time.Now, Sleep: time.Sleep}
	if err := w.Until(dirs); err != nil {
		return fmt.Errorf("sonde kube merge: %w", err)
	}
	m := mergeCmd{Dirs: dirs, Out: c.Output, Goodput: c.Goodput, Prefix: c.Prefix}
	return m.Run(e)
}
