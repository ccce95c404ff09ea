package export

import (
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// Rebuilt is the profiling records of one or more runs, accumulated.
type Rebuilt struct {
	Acc       *metrics.Accumulator
	Records   int
	Truncated int // records files whose last line was cut short
	PerRun    []RunCount
}

// RunCount is what one run folder held.
type RunCount struct {
	Dir      string `json:"dir"`
	Requests int    `json:"request_count"`
	Errors   int    `json:"error_request_count"`
}

// ReadRuns reads every run's profile_export.jsonl into one accumulator:
// exact statistics of the union of the requests, never averages of
// per-run statistics.
func ReadRuns(runs []Files, goodput string) (*Rebuilt, error) {
	type rec struct {
		r *record.Record
		v *metrics.Values
	}
	var all []rec
	rb := &Rebuilt{}
	streaming, vectors, images, videos := false, false, false, false
	for _, f := range runs {
		count := RunCount{Dir: f.Dir}
		truncated, err := ReadRecords(f.Records(), func(r *record.Record, v *metrics.Values) {
			if r.Phase != record.PhaseProfiling {
				return
			}
			if _, ok := v.Get(metrics.TTFT); ok {
				streaming = true
			}
			if _, ok := v.Get(metrics.Inputs); ok {
				vectors = true // an embeddings or ranking run
			}
			if _, ok := v.Get(metrics.OutputImages); ok {
				vectors, images = true, true // an image generation run
			}
			if _, ok := v.Get(metrics.OutputVideos); ok {
				vectors, videos = true, true // a video generation run
			}
			if r.Valid() {
				count.Requests++
			} else {
				count.Errors++
			}
			all = append(all, rec{r, v})
		})
		if err != nil {
			return nil, err
		}
		rb.Truncated += truncated
		rb.PerRun = append(rb.PerRun, count)
	}
	slos, err := metrics.ParseGoodput(goodput, streaming)
	if err != nil {
		return nil, err
	}
	title := ""
	switch {
	case videos:
		title = "Video Generation Metrics"
	case images:
		title = "Image Generation Metrics"
	case vectors:
		title = "Embeddings and Rankings Metrics"
	}
	rb.Acc = metrics.NewAccumulator(metrics.Options{Streaming: streaming, SLOs: slos, Vectors: vectors, Title: title})
	for _, x := range all {
		rb.Acc.Add(x.r, x.v)
	}
	rb.Records = len(all)
	return rb, nil
}
