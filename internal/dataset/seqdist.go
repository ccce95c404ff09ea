package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// SeqPair is one (ISL, OSL) pair of a --seq-dist, with its probability in
// percent and optional standard deviations.
type SeqPair struct {
	ISL, OSL           int
	Prob               float64
	ISLStddev, OSLStdv float64
}

// String is AIPerf's form: "(256,128):40.0%", "(256|10.0,128|5.0):40.0%".
func (p SeqPair) String() string {
	if p.ISLStddev == 0 && p.OSLStdv == 0 {
		return fmt.Sprintf("(%d,%d):%.1f%%", p.ISL, p.OSL, p.Prob)
	}
	return fmt.Sprintf("(%d|%.1f,%d|%.1f):%.1f%%", p.ISL, p.ISLStddev, p.OSL, p.OSLStdv, p.Prob)
}

// SeqDist is a distribution of (ISL, OSL) pairs.
type SeqDist struct {
	Pairs []SeqPair
	cum   []float64
}

var bracketPair = regexp.MustCompile(`\(\s*([^,()]+)\s*,\s*([^,()]+)\s*\)\s*:\s*([0-9.]+)`)

// ParseSeqDist reads --seq-dist in any of AIPerf's forms:
// "256,128:60;512,256:40", "256|10,128|5:60;…", "[(256,128):40,(512,256):60]"
// or {"pairs": [{"isl", "isl_stddev", "osl", "osl_stddev", "prob"}]}.
// Probabilities are percentages and must add up to 100.
func ParseSeqDist(s string) (*SeqDist, error) {
	s = strings.TrimSpace(s)
	d := &SeqDist{}
	switch {
	case strings.HasPrefix(s, "{"):
		var j struct {
			Pairs []struct {
				ISL       int     `json:"isl"`
				ISLStddev float64 `json:"isl_stddev"`
				OSL       int     `json:"osl"`
				OSLStddev float64 `json:"osl_stddev"`
				Prob      float64 `json:"prob"`
			} `json:"pairs"`
		}
		if err := json.Unmarshal([]byte(s), &j); err != nil {
			return nil, fmt.Errorf("--seq-dist: %v", err)
		}
		for _, p := range j.Pairs {
			d.Pairs = append(d.Pairs, SeqPair{ISL: p.ISL, OSL: p.OSL, Prob: p.Prob, ISLStddev: p.ISLStddev, OSLStdv: p.OSLStddev})
		}
	case strings.HasPrefix(s, "["):
		for _, m := range bracketPair.FindAllStringSubmatch(s, -1) {
			p, err := parsePair(m[1], m[2], m[3])
			if err != nil {
				return nil, err
			}
			d.Pairs = append(d.Pairs, p)
		}
	default:
		for _, item := range strings.Split(s, ";") {
			if strings.TrimSpace(item) == "" {
				continue
			}
			lens, prob, ok := strings.Cut(item, ":")
			isl, osl, ok2 := strings.Cut(lens, ",")
			if !ok || !ok2 {
				return nil, fmt.Errorf("--seq-dist: %q is not ISL,OSL:PROB", item)
			}
			p, err := parsePair(isl, osl, prob)
			if err != nil {
				return nil, err
			}
			d.Pairs = append(d.Pairs, p)
		}
	}
	if len(d.Pairs) == 0 {
		return nil, fmt.Errorf("--seq-dist: no pairs in %q", s)
	}
	total := 0.0
	for _, p := range d.Pairs {
		if p.ISL < 1 || p.OSL < 1 || p.Prob <= 0 {
			return nil, fmt.Errorf("--seq-dist: pair %v needs positive lengths and probability", p)
		}
		total += p.Prob
		d.cum = append(d.cum, total)
	}
	if math.Abs(total-100) > 1e-6 {
		return nil, fmt.Errorf("--seq-dist: probabilities add up to %g, not 100 (they are percentages)", total)
	}
	return d, nil
}

// parsePair reads "256" or "256|10" for each length, and a probability.
func parsePair(isl, osl, prob string) (SeqPair, error) {
	var p SeqPair
	var err error
	if p.ISL, p.ISLStddev, err = lengthSd(isl); err != nil {
		return p, err
	}
	if p.OSL, p.OSLStdv, err = lengthSd(osl); err != nil {
		return p, err
	}
	if p.Prob, err = strconv.ParseFloat(strings.TrimSpace(prob), 64); err != nil {
		return p, fmt.Errorf("--seq-dist: probability %q: %v", prob, err)
	}
	return p, nil
}

func lengthSd(s string) (int, float64, error) {
	v, sd, _ := strings.Cut(strings.TrimSpace(s), "|")
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, 0, fmt.Errorf("--seq-dist: length %q: %v", s, err)
	}
	var f float64
	if sd != "" {
		if f, err = strconv.ParseFloat(strings.TrimSpace(sd), 64); err != nil {
			return 0, 0, fmt.Errorf("--seq-dist: stddev %q: %v", sd, err)
		}
	}
	return n, f, nil
}

// Expected returns the mean ISL and OSL.
func (d *SeqDist) Expected() (isl, osl float64) {
	for _, p := range d.Pairs {
		isl += float64(p.ISL) * p.Prob / 100
		osl += float64(p.OSL) * p.Prob / 100
	}
	return isl, osl
}

// Sample draws a pair (numpy searchsorted side=right on the cumulative
// percentages) and its lengths: the mean, or max(1, round(N(mean, sd))).
func (d *SeqDist) Sample(r *rand.Rand) (isl, osl int) {
	u := r.Float64() * 100
	i := sort.Search(len(d.cum), func(i int) bool { return d.cum[i] > u })
	p := d.Pairs[min(i, len(d.Pairs)-1)]
	return sampleLen(r, p.ISL, p.ISLStddev), sampleLen(r, p.OSL, p.OSLStdv)
}

func sampleLen(r *rand.Rand, mean int, sd float64) int {
	if sd <= 0 {
		return mean
	}
	return max(1, int(math.Round(float64(mean)+sd*r.NormFloat64())))
}
