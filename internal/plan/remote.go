package plan

import (
	"context"
	"fmt"

	"github.com/sonde-bench/sonde/internal/accuracy"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/remote"
)

// fetchInput brings a remote --input-file (hf://, s3://, http(s)://), or a
// public dataset named without a local copy, into sonde's cache, and
// returns the flags with the local path in its place (the flags
// themselves stay as given: the run's record names the source).
func (pl *Plan) fetchInput(e Env) (*config.Profile, error) {
	p := pl.p
	ref, sel, name := p.InputFile, (*remote.Selection)(nil), ""
	if ref == "" && p.AccuracyBenchmark != "" {
		src, ok := accuracy.HubSource(p.AccuracyBenchmark)
		if !ok {
			return nil, UsageError{fmt.Errorf("--accuracy-benchmark %s reads its problems from a local --input-file (JSON lines)", p.AccuracyBenchmark)}
		}
		ref, sel = "hf://"+src.Repo, &remote.Selection{Subset: src.Subset, Split: src.Split}
		name = fmt.Sprintf("--accuracy-benchmark %s (%s)", p.AccuracyBenchmark, ref)
	}
	if ref == "" && p.PublicName() != "" {
		d, _ := dataset.PublicNamed(p.PublicName()) // a name config knows
		if d.Unsupported != "" {
			return nil, UsageError{fmt.Errorf("--public-dataset %s: not yet: %s", d.Name, d.Unsupported)}
		}
		ref, sel = publicRef(p, d)
		name = fmt.Sprintf("--public-dataset %s (%s)", d.Name, ref)
	}
	if !remote.IsRemote(ref) {
		return p, nil
	}
	local, err := remote.Fetch(context.Background(), ref, remote.Options{Getenv: e.Getenv, Select: sel, Name: name, Info: func(s string) { pl.notes.infof("Dataset %s", s) }})
	if err != nil {
		return nil, UsageError{err}
	}
	q := *p
	q.InputFile = local
	return &q, nil
}

// publicRef is where a public dataset is fetched from: its file's URL, or
// its Hub repository (--hf-weka-dataset's for weka_hf) narrowed to its
// subset (--hf-subset's) and split.
func publicRef(p *config.Profile, d dataset.Public) (string, *remote.Selection) {
	switch {
	case d.URL != "":
		return d.URL, nil
	case d.Path != "":
		return "hf://" + d.Repo + "/" + d.Path, nil
	}
	repo, subset := d.Repo, d.Subset
	if p.HFWekaDataset != "" {
		repo = p.HFWekaDataset
	}
	if p.HFSubset != "" {
		subset = p.HFSubset
	}
	return "hf://" + repo, &remote.Selection{Subset: subset, Split: d.Split, First: d.Stream}
}
