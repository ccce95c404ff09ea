package study

import (
	"encoding/json"
	"os"

	"github.com/sonde-bench/sonde/internal/export"
)

// accuracyHeadlines add a graded run's accuracy (--accuracy-benchmark) to
// its headlines, so a sweep shows it per load level beside the latency
// numbers: accuracy_avg with its Wilson interval (accuracy_ci_low,
// accuracy_ci_high), read from the run's summary; nothing for a run that
// graded nothing.
func accuracyHeadlines(heads map[string]Value, files export.Files) {
	data, err := os.ReadFile(files.SummaryJSON())
	if err != nil {
		return
	}
	var s struct {
		Sonde struct {
			Accuracy *struct {
				Overall struct {
					Total    int     `json:"total"`
					Accuracy float64 `json:"accuracy"`
					CILow    float64 `json:"ci_low"`
					CIHigh   float64 `json:"ci_high"`
				} `json:"overall"`
			} `json:"accuracy"`
		} `json:"sonde"`
	}
	if json.Unmarshal(data, &s) != nil || s.Sonde.Accuracy == nil || s.Sonde.Accuracy.Overall.Total == 0 {
		return
	}
	o := s.Sonde.Accuracy.Overall
	heads["accuracy_avg"], heads["accuracy_ci_low"], heads["accuracy_ci_high"] = Value{o.Accuracy, "ratio"}, Value{o.CILow, "ratio"}, Value{o.CIHigh, "ratio"}
}
