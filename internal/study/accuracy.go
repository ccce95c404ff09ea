package study

import "github.com/sonde-bench/sonde/internal/export"

// accuracyHeadlines add a graded run's accuracy (--accuracy-benchmark) to
// its headlines, so a sweep shows it per load level beside the latency
// numbers: accuracy_avg with its Wilson interval (accuracy_ci_low,
// accuracy_ci_high), read back from the run's summary; nothing for a run
// that graded nothing.
func accuracyHeadlines(heads map[string]Value, dir, prefix string) {
	d, err := export.Open(dir, prefix)
	if err != nil {
		return
	}
	doc, err := d.Summary()
	if err != nil || doc.Sonde.Accuracy == nil || doc.Sonde.Accuracy.Overall.Total == 0 {
		return
	}
	o := doc.Sonde.Accuracy.Overall
	heads["accuracy_avg"], heads["accuracy_ci_low"], heads["accuracy_ci_high"] = Value{o.Accuracy, "ratio"}, Value{o.CILow, "ratio"}, Value{o.CIHigh, "ratio"}
}
