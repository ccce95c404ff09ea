package config

import "strings"

// PublicName is the public dataset the run reads: --public-dataset, or
// weka_hf when --hf-weka-dataset names a repository (AIPerf's rule).
func (p *Profile) PublicName() string {
	if p.PublicDataset == "" && p.HFWekaDataset != "" {
		return "weka_hf"
	}
	return p.PublicDataset
}

// DatasetFilters is --dataset-filter as column → value.
func (p *Profile) DatasetFilters() map[string]string {
	if len(p.DatasetFilter) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, f := range p.DatasetFilter {
		k, v, _ := strings.Cut(f, "=")
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

// checkPublic: the Hub options refine a public dataset.
func (p *Profile) checkPublic(add func(string, ...any)) {
	name := p.PublicName()
	refuseGiven(add, name != "", "%s refines a --public-dataset", given{"--hf-subset", p.HFSubset != ""}, given{"--dataset-filter", len(p.DatasetFilter) > 0})
	for _, f := range p.DatasetFilter {
		if k, _, ok := strings.Cut(f, "="); !ok || strings.TrimSpace(k) == "" {
			add("--dataset-filter %q: COLUMN=VALUE", f)
		}
	}
	switch {
	case p.HFWekaDataset != "" && name != "weka_hf":
		add("--hf-weka-dataset selects --public-dataset weka_hf: drop --public-dataset %s", p.PublicDataset)
	case p.HFWekaDataset != "" && p.CustomDatasetType != "":
		add("--hf-weka-dataset reads weka traces from the Hub: drop --custom-dataset-type %s", p.CustomDatasetType)
	case p.HFWekaDataset != "" && strings.Count(p.HFWekaDataset, "/") != 1:
		add("--hf-weka-dataset %q: a Hugging Face repository, ORG/NAME", p.HFWekaDataset)
	case name == "weka_hf" && p.HFWekaDataset == "" && p.InputFile == "":
		add("--public-dataset weka_hf needs --hf-weka-dataset ORG/NAME (the repository of traces)")
	}
}
