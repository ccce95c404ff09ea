package metrics

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// SLO is one --goodput threshold, in base units.
type SLO struct {
	Metric    int
	Threshold float64
}

// ParseGoodput reads "tag:value tag:value" (values in display units) and
// checks every tag exists and applies to this run.
func ParseGoodput(spec string, streaming bool) ([]SLO, error) {
	var slos []SLO
	var unknown, notApplicable []string
	for _, item := range strings.Fields(spec) {
		k, v, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("--goodput: '%s' is not in 'key:value' format", item)
		}
		if k == "" || v == "" {
			return nil, fmt.Errorf("--goodput: '%s' has an empty key or value", item)
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("--goodput: value of '%s' is not a number (or not finite)", item)
		}
		if x < 0 {
			return nil, fmt.Errorf("--goodput: threshold of '%s' is negative; no request could meet it", item)
		}
		i, ok := LookupRecordTag(k)
		if !ok || recordDefs[i].Has(ErrorOnly) {
			unknown = append(unknown, k)
			continue
		}
		if recordDefs[i].Has(StreamingOnly) && !streaming {
			notApplicable = append(notApplicable, k)
			continue
		}
		slos = append(slos, SLO{Metric: i, Threshold: x / recordDefs[i].Scale})
	}
	if len(unknown) > 0 {
		var known []string
		for i := range recordDefs {
			if !recordDefs[i].Has(ErrorOnly) {
				known = append(known, recordDefs[i].Tag)
			}
		}
		sort.Strings(known)
		return nil, fmt.Errorf("Unknown metric tag(s) in --goodput: %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	if len(notApplicable) > 0 {
		return nil, fmt.Errorf("Invalid --goodput: metric(s) %s are not applicable to this run (they need --streaming)", strings.Join(notApplicable, ", "))
	}
	return slos, nil
}

// Good reports whether v meets every SLO (a missing metric fails). With no
// SLOs nothing is good, as in AIPerf.
func Good(v *Values, slos []SLO) bool {
	if len(slos) == 0 {
		return false
	}
	for _, s := range slos {
		x, ok := v.Get(s.Metric)
		if !ok {
			return false
		}
		if recordDefs[s.Metric].Has(LargerIsBetter) {
			if x < s.Threshold {
				return false
			}
		} else if x > s.Threshold {
			return false
		}
	}
	return true
}
