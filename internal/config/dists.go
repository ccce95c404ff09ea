package config

import "github.com/sonde-bench/sonde/internal/dist"

// checkDists reads --isl-distribution and --osl-distribution, and bounds
// them as the ISL and OSL flags are bounded.
func (p *Profile) checkDists(add func(string, ...any)) {
	for _, f := range []struct{ flag, v string }{{"--isl-distribution", p.ISLDistribution}, {"--osl-distribution", p.OSLDistribution}} {
		if f.v == "" {
			continue
		}
		d, err := dist.ParseDist(f.v)
		if err != nil {
			add("%s: %v", f.flag, err)
			continue
		}
		if m := d.Expected(); m > MaxPromptTokens {
			add("%s: a mean of %.0f tokens: at most %d", f.flag, m, MaxPromptTokens)
		} else if f.flag == "--isl-distribution" && p.InputFile == "" {
			if err := p.CheckWorkload("--isl-distribution (mean)", m, 0); err != nil {
				add("%v", err)
			}
		}
	}
}
