package plan

import (
	"context"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/remote"
)

// publicDatasets are the public datasets sonde fetches by name when no
// local copy is given (AIPerf's names).
func publicDatasets() map[string]string {
	return map[string]string{
		"sharegpt": "hf://anon8231489123/ShareGPT_Vicuna_unfiltered/ShareGPT_V3_unfiltered_cleaned_split.json",
	}
}

// fetchInput brings a remote --input-file (hf://, s3://, http(s)://), or a
// public dataset named without a local copy, into sonde's cache, and
// returns the flags with the local path in its place (the flags
// themselves stay as given: the run's record names the source).
func (pl *Plan) fetchInput(e Env) (*config.Profile, error) {
	p := pl.p
	ref := p.InputFile
	if ref == "" && p.PublicDataset != "" {
		ref = publicDatasets()[p.PublicDataset]
	}
	if !remote.IsRemote(ref) {
		return p, nil
	}
	local, err := remote.Fetch(context.Background(), ref, remote.Options{Getenv: e.Getenv, Info: func(s string) { pl.notes.infof("Dataset %s", s) }})
	if err != nil {
		return nil, UsageError{err}
	}
	q := *p
	q.InputFile = local
	return &q, nil
}
