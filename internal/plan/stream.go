package plan

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/engine"
)

// A large trace streams (dataset/stream.go): the plan keeps its first
// requests as its view of the trace (notes, checks, the warm-up,
// inputs.json) and gives the profiling phase a stream that reads the file
// as the run goes.
const (
	streamThreshold = 64 << 20 // --input-streaming auto: from this size
	previewRequests = 1000     // the requests the plan reads up front
	streamDepth     = 256      // requests prepared ahead of their time
)

// streamReason says why the file cannot stream ("": it can), for a file of
// size bytes: the features that need the whole trace at once.
func streamReason(p *config.Profile, size int64) string {
	switch {
	case p.InputStreaming == "never":
		return "--input-streaming never"
	case p.CustomDatasetType != "mooncake_trace" && p.CustomDatasetType != "burst_gpt_trace":
		return "only a mooncake_trace or a burst_gpt_trace streams"
	case p.InputStreaming == "auto" && size < streamThreshold:
		return fmt.Sprintf("smaller than %d MiB", streamThreshold>>20)
	case p.NoFixedSchedule || p.AgenticReplay():
		return "a streamed trace is replayed on its fixed schedule"
	case p.SynthesisPrefixLen != 1 || p.SynthesisPrefixRoots != 1 || p.SynthesisPromptLen != 1 || p.SynthesisOutputLen != 1 || p.SynthesisMaxISL > 0:
		return "--synthesis-* reshape the whole trace's tree of prefixes"
	case p.TraceSampleRatio != 0 || p.MaxIdleGapCap != nil:
		return "--trace-session-sample-ratio and --max-idle-gap-cap-seconds need the whole trace"
	case p.FixedStartOffset != nil || p.FixedEndOffset != nil:
		return "--fixed-schedule-start-offset and -end-offset need the whole trace"
	case p.SamplingSet:
		return "a streamed trace goes in file order (--dataset-sampling-strategy)"
	case p.ReplayOutputs != "" || p.ContextMode != config.ContextLive:
		return "pre-canned answers need the whole trace"
	}
	return ""
}

// streamTrace decides whether --input-file streams; when it does, it
// returns the first requests (the plan's view of the trace) and the fixed
// schedule whose profiling phase reads the rest as it goes. nil: read the
// file whole. opts makes the dataset package's options afresh for each
// reading, so that every reading draws the same --osl lengths: the run
// sends what inputs.json (the first reading) says.
func streamTrace(p *config.Profile, opts func() dataset.FileOptions, log *slog.Logger) ([]dataset.Conversation, *fixedSchedule, error) {
	st, err := os.Stat(p.InputFile)
	if err != nil || st.IsDir() {
		return nil, nil, nil // the loader says what is wrong
	}
	why := streamReason(p, st.Size())
	if why == "" {
		if ok, bad := dataset.Streamable(opts()); !ok {
			why = bad
		}
	}
	switch {
	case why != "" && p.InputStreaming == "always":
		return nil, nil, UsageError{fmt.Errorf("--input-streaming always: %s cannot stream: %s", p.InputFile, why)}
	case why != "":
		if st.Size() >= streamThreshold && p.InputStreaming == "auto" {
			log.Info(fmt.Sprintf("%s (%d MiB) is read whole: %s", p.InputFile, st.Size()>>20, why))
		}
		return nil, nil, nil
	}
	bust := newBuster(p, opts().Tok) // one nonce for the run
	open := func() (*dataset.TraceStream, func(c *dataset.Conversation), error) {
		o := opts()
		s, err := dataset.OpenTraceStream(o)
		return s, streamPrep(p, o, bust), err
	}
	preview, err := readAhead(open, p.InputFile, previewRequests)
	if err != nil {
		return nil, nil, UsageError{err}
	}
	fs := &fixedSchedule{on: true, stream: func() (engine.Stream, error) {
		s, prep, err := open()
		if err != nil {
			return nil, err
		}
		return dataset.Prefetch(s, streamDepth, prep), nil
	}}
	if p.FixedAutoOffset {
		fs.zeroMs = preview[0].Turns[0].Timestamp
	}
	log.Info(fmt.Sprintf("Streaming %s (%d MiB): read as the run goes, each request's prompt built just ahead of its time (inputs.json lists its first %d)",
		p.InputFile, st.Size()>>20, len(preview)))
	return preview, fs, nil
}

// streamPrep is what one reading of the trace does to every request before
// it is queued: the replay's speed, --synthesis-max-osl, --osl-mode
// override (o's draws), the cache bust (the run's nonce, requests counted
// from the reading's start).
func streamPrep(p *config.Profile, o dataset.FileOptions, bust *buster) func(c *dataset.Conversation) {
	speed := p.SynthesisSpeedup
	if p.ReplaySpeedup != nil {
		speed *= *p.ReplaySpeedup
	}
	n := 0
	return func(c *dataset.Conversation) {
		t := &c.Turns[0]
		if speed > 0 && speed != 1 {
			t.Timestamp /= speed
		}
		if m := p.SynthesisMaxOSL; m > 0 && t.MaxTokens > m {
			t.MaxTokens = m
		}
		if p.OSLMode == "override" && o.MaxTokens != nil {
			t.MaxTokens = o.MaxTokens()
		}
		bust.mark(c, n)
		n++
	}
}

// readAhead reads the first n requests of a reading of the trace.
func readAhead(open func() (*dataset.TraceStream, func(c *dataset.Conversation), error), path string, n int) ([]dataset.Conversation, error) {
	s, prep, err := open()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var out []dataset.Conversation
	for len(out) < n {
		c, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		prep(&c)
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no requests in the file", path)
	}
	return out, nil
}
