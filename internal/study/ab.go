package study

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/sonde-bench/sonde/internal/compare"
	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/profile"
)

// sonde ab: the same prompts at the same seed on A and on B, in blocks
// whose order alternates (AB, BA, AB, …) so that drift and noisy
// neighbours hit both; each headline number compared by its paired
// differences (paired).

// abResult is ab_result.json.
type abResult struct {
	A, B       string              `json:"-"`
	URLs       [2]string           `json:"urls"`
	Blocks     int                 `json:"blocks"`
	Order      []string            `json:"order"`
	Level      float64             `json:"confidence_level"`
	Effect     float64             `json:"effect"`
	Metrics    map[string]abMetric `json:"metrics"`
	Comparable []string            `json:"comparability_warnings"`
	Complete   bool                `json:"complete"`
}

func runAB(ctx context.Context, e profile.Env, p *config.Profile) (string, error) {
	a, b := copyProfile(p), copyProfile(p)
	a.URL, b.URL = []string{p.URL[0]}, []string{p.URL[1]}
	return runABSides(ctx, e, p, [2]*config.Profile{a, b})
}

// RunABConfigs is sonde ab with two config files: each side its own
// profile (p, A's, holds the A/B flags and the artifact folder).
func RunABConfigs(e profile.Env, p, b *config.Profile) (string, error) {
	for _, q := range []*config.Profile{p, b} {
		if len(q.URL) != 1 {
			return "", profile.UsageError{Err: fmt.Errorf("sonde ab with two config files: each names one server (got %d URLs)", len(q.URL))}
		}
	}
	ctx, stop := e.NotifyContext(context.Background())
	defer stop()
	return runABSides(ctx, e, p, [2]*config.Profile{p, b})
}

// runABSides runs the blocks on the two sides' profiles.
func runABSides(ctx context.Context, e profile.Env, p *config.Profile, sides [2]*config.Profile) (string, error) {
	dir := p.ArtifactDir
	if e.Dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(e.Dir, dir)
	}
	if !p.ArtifactDirSet {
		dir = filepath.Join(dir, "ab")
	}
	seed := baseSeed(p)
	res := abResult{URLs: [2]string{config.RedactURL(sides[0].URL[0]), config.RedactURL(sides[1].URL[0])}, Level: p.ConfidenceLevel, Effect: p.ABEffect,
		Metrics: map[string]abMetric{}, Comparable: []string{}}
	side := func(i int, s int64) *config.Profile {
		q := copyProfile(sides[i])
		q.AB, q.RandomSeed = false, &s
		return q
	}
	for _, i := range []int{0, 1} {
		if err := validate(side(i, seed), []string{"A", "B"}[i]); err != nil {
			return "", err
		}
	}
	var runs [2][]map[string]Value
	var dirs [2][]string
	var err error
	for blk := range p.ABBlocks {
		order := []int{0, 1}
		if blk%2 == 1 {
			order = []int{1, 0}
		}
		res.Order = append(res.Order, map[bool]string{true: "AB", false: "BA"}[order[0] == 0])
		var got [2]map[string]Value
		for _, i := range order {
			if blk+i > 0 {
				if err = cooldown(ctx, p.RunCooldown); err != nil {
					break
				}
			}
			d := filepath.Join(dir, []string{"a", "b"}[i], fmt.Sprintf("block_%02d", blk+1))
			var out *profile.Outcome
			out, err = runOne(quiet(e), side(i, seed+int64(blk)), d)
			if out != nil {
				got[i] = Headlines(out.Summary)
				dirs[i] = append(dirs[i], out.Dir)
			}
			if stopping(err) {
				break
			}
		}
		if stopping(err) {
			break
		}
		if got[0] != nil && got[1] != nil { // a block counts when both sides measured
			runs[0], runs[1] = append(runs[0], got[0]), append(runs[1], got[1])
		}
	}
	res.Blocks, res.Complete = len(runs[0]), !stopping(err)
	res.Metrics = pairMetrics(runs, p.ConfidenceLevel, p.ABEffect)
	if len(dirs[0]) > 0 && len(dirs[1]) > 0 {
		if c := compare.Comparability(dirs[0][0], dirs[1][0]); c != nil {
			res.Comparable = c
		}
	}
	if werr := writeAB(dir, &res, e.Stdout); werr != nil && err == nil {
		err = werr
	}
	if err == nil && p.Strict && len(res.Comparable) > 0 {
		err = profile.UsageError{Err: fmt.Errorf("sonde ab --strict: A and B differ in %d ways: %v", len(res.Comparable), res.Comparable)}
	}
	return dir, err
}

// pairMetrics compares each headline number both sides of every block
// measured.
func pairMetrics(runs [2][]map[string]Value, level, effect float64) map[string]abMetric {
	out := map[string]abMetric{}
	for key, lower := range abHeadlines() {
		var a, b []float64
		for k := range runs[0] {
			x, okA := runs[0][k][key]
			y, okB := runs[1][k][key]
			if okA && okB && finite(x.X) && finite(y.X) {
				a, b = append(a, x.X), append(b, y.X)
			}
		}
		if len(a) > 0 {
			out[key] = paired(a, b, level, effect, lower)
		}
	}
	return out
}

// quiet is e without the runs' own console: one A/B table at the end.
func quiet(e profile.Env) profile.Env {
	e.Stdout = io.Discard
	return e
}

func writeAB(dir string, r *abResult, w io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsonde | A/B: A %s, B %s; %d paired blocks (order alternating), %.0f %% intervals of B − A\n",
		r.URLs[0], r.URLs[1], r.Blocks, r.Level*100)
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tA\tB\tB − A\tinterval\tverdict\tblocks for ±effect\t")
	for _, key := range slices.Sorted(maps.Keys(r.Metrics)) {
		m := r.Metrics[key]
		ci, need := "", ""
		if m.CILow != nil {
			ci = fmt.Sprintf("[%.3f, %.3f]", *m.CILow, *m.CIHigh)
		}
		if m.Needed != nil {
			need = fmt.Sprint(*m.Needed)
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%+.3f\t%s\t%s\t%s\t\n", key, m.A, m.B, m.Difference, ci, m.Verdict, need)
	}
	tw.Flush()
	for _, c := range r.Comparable {
		fmt.Fprintln(w, "Warning: A and B differ: "+c)
	}
	return writeJSON(filepath.Join(dir, "ab_result.json"), r)
}
