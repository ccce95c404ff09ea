package plan

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/dist"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/engine"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// fixedSchedule is the trace-replay decision.
type fixedSchedule struct {
	on     bool
	zeroMs float64
	// stream opens a streamed trace for the profiling phase (nil: the
	// conversations are the whole trace).
	stream func() (engine.Stream, error)
}

// loadConversations builds the run's conversations: synthetic, from a custom
// file, or from a local public dataset; and decides the fixed schedule.
func loadConversations(p *config.Profile, seed uint64, contextMode string, tok tokenizer.Tokenizer, log *slog.Logger) ([]dataset.Conversation, fixedSchedule, error) {
	oslMean := 0
	if p.OutputTokensMean != nil {
		oslMean = *p.OutputTokensMean
	}
	isl, osl, err := lengthDists(p)
	if err != nil {
		return nil, fixedSchedule{}, err
	}
	if p.InputFile == "" {
		convs, err := syntheticConversations(p, seed, contextMode, tok, oslMean, isl, osl)
		return convs, fixedSchedule{}, err
	}
	if p.AccuracyBenchmark != "" {
		convs, err := accuracyConversations(p, tok)
		return convs, fixedSchedule{}, err
	}
	preview, fs, err := streamTrace(p, func() dataset.FileOptions { return fileOptions(p, seed, tok, oslMean, osl) }, log)
	if err != nil {
		return nil, fixedSchedule{}, err
	}
	if fs != nil {
		return preview, *fs, nil
	}
	convs, err := fileConversations(p, seed, contextMode, tok, oslMean, osl)
	if err != nil {
		return nil, fixedSchedule{}, err
	}
	if convs, err = replayTiming(p, convs, seed, log); err != nil {
		return nil, fixedSchedule{}, err
	}
	if err := checkWrap(p, convs); err != nil {
		return nil, fixedSchedule{}, err
	}
	return decideFixedSchedule(p, convs, log)
}

// lengthDists reads --isl-distribution and --osl-distribution (nil when
// unset).
func lengthDists(p *config.Profile) (isl, osl *dist.Dist, err error) {
	for _, f := range []struct {
		name, v string
		d       **dist.Dist
	}{{"--isl-distribution", p.ISLDistribution, &isl}, {"--osl-distribution", p.OSLDistribution, &osl}} {
		if f.v == "" {
			continue
		}
		if *f.d, err = dist.ParseDist(f.v); err != nil { // checked by Validate, and bounded there
			return nil, nil, UsageError{fmt.Errorf("%s: %w", f.name, err)}
		}
	}
	return isl, osl, nil
}

// syntheticConversations generates the dataset from the flags.
func syntheticConversations(p *config.Profile, seed uint64, contextMode string, tok tokenizer.Tokenizer, oslMean int, isl, osl *dist.Dist) ([]dataset.Conversation, error) {
	var seq *dataset.SeqDist
	if p.SeqDist != "" {
		var err error
		if seq, err = dataset.ParseSeqDist(p.SeqDist); err != nil {
			return nil, UsageError{err}
		}
	}
	var rankings *dataset.RankingsShape
	if endpoint.Canonical(p.EndpointType).Kind() == endpoint.Ranks {
		rankings = &dataset.RankingsShape{QueryMean: float64(p.RankingsQueryTokensMean), QueryStddev: p.RankingsQueryTokensStddev,
			PassagesMean: p.RankingsPassagesMean, PassagesStd: p.RankingsPassagesStddev,
			PassageMean: float64(p.RankingsPassageTokensMean), PassageStddev: p.RankingsPassageTokensStddev}
	}
	convs, err := dataset.Synthetic(dataset.SyntheticOptions{Rankings: rankings, Corpus: p.PromptCorpus,
		SeqDist: seq, PrefixPool: p.PrefixPoolSize, PrefixLength: p.PrefixLength,
		SharedSystem: p.SharedSystemLength, UserContext: p.UserContextLength, Batch: p.PromptBatchSize,
		Answers: contextMode != config.ContextLive,
		Entries: p.NumDatasetEntries, ISLMean: p.InputTokensMean, ISLStddev: p.InputTokensStddev,
		OSLMean: oslMean, OSLStddev: p.OutputTokensStddev, ISLDist: isl, OSLDist: osl,
		TurnMean: p.ConversationTurnMean, TurnStddev: p.ConversationTurnStddev,
		DelayMean: p.ConversationDelayMean, DelayStddev: p.ConversationDelayStddev, DelayRatio: p.ConversationDelayRatio,
		Seed: seed, Models: p.Model, RandomModels: p.ModelSelection == "random", Images: imageSpec(p), Audio: audioSpec(p), Video: videoSpec(p),
	}, tok)
	if err != nil {
		return nil, UsageError{err}
	}
	return convs, nil
}

// fileConversations reads --input-file (a custom dataset, or ShareGPT).
func fileConversations(p *config.Profile, seed uint64, contextMode string, tok tokenizer.Tokenizer, oslMean int, osl *dist.Dist) ([]dataset.Conversation, error) {
	opts := fileOptions(p, seed, tok, oslMean, osl)
	var convs []dataset.Conversation
	var err error
	switch d, _ := dataset.PublicNamed(p.PublicName()); {
	case d.Kind == dataset.KindShareGPT:
		convs, err = dataset.LoadShareGPT(p.InputFile, opts)
	case d.Name != "":
		convs, err = dataset.LoadPublic(opts, d, p.DatasetFilters())
	default:
		convs, err = dataset.LoadFile(opts)
	}
	if err != nil {
		return nil, UsageError{err}
	}
	return finishFile(p, convs, opts, contextMode, tok)
}

// finishFile applies to a file's conversations what the flags ask of
// every one: dropped delays, --osl-mode override, canned answers.
func finishFile(p *config.Profile, convs []dataset.Conversation, opts dataset.FileOptions, contextMode string, tok tokenizer.Tokenizer) ([]dataset.Conversation, error) {
	ignoreTraceDelays(p, convs)
	if p.OSLMode == "override" && opts.MaxTokens != nil {
		for i := range convs {
			for j := range convs[i].Turns {
				convs[i].Turns[j].MaxTokens = opts.MaxTokens() // the file's own lengths give way
			}
		}
	}
	if p.EndpointType != "chat" && hasImages(convs) {
		return nil, UsageError{fmt.Errorf("--input-file %s has images: they are sent with --endpoint-type chat (image_url parts), not %s", p.InputFile, p.EndpointType)}
	}
	if contextMode != config.ContextLive {
		if err := cannedAnswers(convs, tok); err != nil {
			return nil, UsageError{err}
		}
	}
	return convs, nil
}

// fileOptions are how the dataset package reads --input-file.
func fileOptions(p *config.Profile, seed uint64, tok tokenizer.Tokenizer, oslMean int, osl *dist.Dist) dataset.FileOptions {
	blockSize := p.ISLBlockSize
	if p.CustomDatasetType == "bailian_trace" && blockSize == 512 {
		blockSize = 16 // Bailian's hash ids cover blocks of 16 tokens (512 is the flag's default, for mooncake)
	}
	opts := dataset.FileOptions{Path: p.InputFile, Type: p.CustomDatasetType, BlockSize: blockSize,
		Entries: p.NumDatasetEntries, Seed: seed, Models: p.Model, RandomModels: p.ModelSelection == "random", Tok: tok,
		SplitTexts: !endpoint.Canonical(p.EndpointType).ProducesTokens(), UUIDAndStrip: p.UUIDAndStrip,
		Replay: dataset.Replay{ClosedLoop: !p.OpenLoopReplay, Strict: p.OpenLoopStrict, OmitKVHints: p.OmitKVHints, ForceMinTokens: p.ForceMinTokens},
		Synthesis: dataset.Synthesis{Speedup: p.SynthesisSpeedup, PrefixLen: p.SynthesisPrefixLen, PromptLen: p.SynthesisPromptLen,
			OutputLen: p.SynthesisOutputLen, Roots: p.SynthesisPrefixRoots, MaxISL: p.SynthesisMaxISL, MaxOSL: p.SynthesisMaxOSL},
		Weka:   dataset.Weka{ThinkTimeOnly: p.UseThinkTimeOnly, MaxContext: p.MaxContextLength, IdleGapCap: optSeconds(p.TraceIdleGapCap)},
		Corpus: p.PromptCorpus}
	if r := dataset.NewRand(seed, dataset.StreamOSL); osl != nil {
		opts.MaxTokens = func() int { return max(osl.Sample(r), 1) }
	} else if oslMean > 0 {
		opts.MaxTokens = func() int { return max(dataset.PositiveNormalInt(r, float64(oslMean), p.OutputTokensStddev), 1) }
	}
	return opts
}

// decideFixedSchedule: the rules below depend on the file's content (a
// mooncake trace with timestamps is replayed on its schedule unless told
// otherwise), so they live here rather than in config.Validate, which sees
// flags only.
func decideFixedSchedule(p *config.Profile, convs []dataset.Conversation, log *slog.Logger) ([]dataset.Conversation, fixedSchedule, error) {
	var fs fixedSchedule
	timestamped := len(convs) > 0 && convs[0].Turns[0].HasTimestamp
	// An agentic replay is a closed loop: the trace's times give think
	// times only.
	fs.on = p.FixedSchedule || (timestamped && slices.Contains(dataset.TimestampedTypes(), p.CustomDatasetType) && !p.NoFixedSchedule && !p.AgenticReplay())
	if !fs.on {
		if p.FixedAutoOffset || p.FixedStartOffset != nil || p.FixedEndOffset != nil {
			return nil, fs, UsageError{fmt.Errorf("--fixed-schedule-* can only be used with --fixed-schedule")}
		}
		return convs, fs, nil
	}
	if p.SamplingSet {
		return nil, fs, UsageError{fmt.Errorf("Dataset sampling strategy is not compatible with fixed schedule mode")}
	}
	for _, f := range []struct {
		flag string
		set  bool
	}{{"--request-rate", p.RequestRate != nil}, {"--session-arrival-rate", p.SessionArrivalRate != nil}, {"--user-centric-rate", p.UserCentricRate != nil}} {
		if f.set {
			return nil, fs, UsageError{fmt.Errorf("%s: %s has timestamps and is replayed on its own schedule; drop %s, or add --no-fixed-schedule to pace it by the rate instead", f.flag, p.InputFile, f.flag)}
		}
	}
	var err error
	convs, fs.zeroMs, err = scheduleWindow(p, convs)
	if err != nil {
		return nil, fs, UsageError{err}
	}
	log.Info(fmt.Sprintf("Fixed schedule: %d conversations replayed at their timestamps", len(convs)))
	return convs, fs, nil
}

// scheduleWindow orders conversations by start time, keeps those within the
// offsets, and returns the timestamp that becomes time zero.
func scheduleWindow(p *config.Profile, convs []dataset.Conversation) ([]dataset.Conversation, float64, error) {
	for i := range convs {
		if !convs[i].Turns[0].HasTimestamp {
			return nil, 0, fmt.Errorf("--fixed-schedule: conversation %q has no timestamp on its first turn", convs[i].ID)
		}
	}
	sort.SliceStable(convs, func(i, j int) bool { return convs[i].Turns[0].Timestamp < convs[j].Turns[0].Timestamp })
	start, end := math.Inf(-1), math.Inf(1)
	if p.FixedStartOffset != nil {
		start = float64(*p.FixedStartOffset)
	}
	if p.FixedEndOffset != nil {
		end = float64(*p.FixedEndOffset)
	}
	kept := convs[:0]
	for _, c := range convs {
		if ts := c.Turns[0].Timestamp; ts >= start && ts <= end {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return nil, 0, fmt.Errorf("no conversation starts within the fixed-schedule offsets")
	}
	zero := 0.0
	switch {
	case p.FixedAutoOffset:
		zero = kept[0].Turns[0].Timestamp
	case p.FixedStartOffset != nil:
		zero = start
	}
	if last := kept[len(kept)-1].Turns[0].Timestamp - zero; last > maxScheduleMs {
		return nil, 0, fmt.Errorf("--fixed-schedule: the last conversation starts %.4g days after time zero: at most %g (if the timestamps are absolute times, add --fixed-schedule-auto-offset)",
			last/86400e3, maxScheduleMs/86400e3)
	}
	return kept, zero, nil
}

// maxScheduleMs is the longest trace replayed: a week, in ms.
const maxScheduleMs = 7 * 24 * 3600 * 1000.0

// cannedAnswers gives file turns without a recorded answer a short synthetic
// one, for the with-responses context modes.
func cannedAnswers(convs []dataset.Conversation, tok tokenizer.Tokenizer) error {
	gen, err := dataset.NewPromptGen(tok)
	if err != nil {
		return err
	}
	r := dataset.NewRand(1, dataset.StreamAnswers)
	for i := range convs {
		for k := range convs[i].Turns {
			t := &convs[i].Turns[k]
			if t.Answer != "" {
				continue
			}
			n := t.MaxTokens
			if n == 0 {
				n = max(t.Tokens, 1)
			}
			if t.Answer, err = gen.Prompt(r, n); err != nil {
				return err
			}
			t.AnswerTokens = n
		}
	}
	return nil
}

// audioSpec is the --audio-* flags, or nil when turns carry no audio.
func audioSpec(p *config.Profile) *dataset.AudioSpec {
	if !p.AudioOn() {
		return nil
	}
	return &dataset.AudioSpec{LengthMean: p.AudioLengthMean, LengthStddev: p.AudioLengthStddev, Batch: p.AudioBatchSize, Format: p.AudioFormat,
		Depths: p.AudioDepths, SampleRates: p.AudioSampleRates, Channels: p.AudioNumChannels}
}

// videoSpec is the --video-* flags, or nil when turns carry no videos.
func videoSpec(p *config.Profile) *dataset.VideoSpec {
	if !p.VideosOn() {
		return nil
	}
	return &dataset.VideoSpec{Width: p.VideoWidth, Height: p.VideoHeight, FPS: p.VideoFPS, Duration: p.VideoDuration, Batch: p.VideoBatchSize,
		Synth: p.VideoSynthType, Format: p.VideoFormat, Codec: p.VideoCodec, AudioRateKHz: p.VideoAudioSampleRate,
		AudioChans: p.VideoAudioNumChannels, AudioCodec: p.VideoAudioCodec, AudioDepth: p.VideoAudioDepth}
}

// imageSpec is the --image-* flags, or nil when turns carry no images.
func imageSpec(p *config.Profile) *dataset.ImageSpec {
	if !p.ImagesOn() {
		return nil
	}
	return &dataset.ImageSpec{WidthMean: p.ImageWidthMean, WidthStddev: p.ImageWidthStddev, HeightMean: p.ImageHeightMean,
		HeightStddev: p.ImageHeightStddev, Batch: p.ImageBatchSize, Format: p.ImageFormat, Source: p.ImageSource, Sampling: p.ImageSourceSampling}
}

func hasImages(convs []dataset.Conversation) bool {
	for i := range convs {
		for _, t := range convs[i].Turns {
			if len(t.Images) > 0 {
				return true
			}
		}
	}
	return false
}

// mediaMade says what images, clips and videos the run sends, what they
// weigh as sent (base64) and how long the dataset took to make with them:
// all of it before the run, none on the measuring path.
func mediaMade(p *config.Profile, convs []dataset.Conversation, took time.Duration) []string {
	var images, clips, videos, imageSize, clipSize, videoSize int
	for i := range convs {
		for _, t := range convs[i].Turns {
			for _, im := range t.Images {
				images, imageSize = images+1, imageSize+len(im.URL)
			}
			for _, a := range t.Audios {
				clips, clipSize = clips+1, clipSize+len(a.Data)
			}
			for _, v := range t.Videos {
				videos, videoSize = videos+1, videoSize+len(v.URL)
			}
		}
	}
	var out []string
	from := "made before the run"
	if p.InputFile != "" {
		from = "from " + p.InputFile
	}
	mb := func(n int) float64 { return float64(n) / 1e6 }
	switch {
	case images > 0 && p.InputFile != "":
		out = append(out, fmt.Sprintf("Images: %d %s, %.1f MB as sent (URLs as given, files as base64 data URLs)", images, from, mb(imageSize)))
	case images > 0:
		out = append(out, fmt.Sprintf("Images: %d %s (%g×%g px mean, %s, source %s), %.1f MB as sent (base64 data URLs)",
			images, from, p.ImageWidthMean, p.ImageHeightMean, p.ImageFormat, p.ImageSource, mb(imageSize)))
	}
	if clips > 0 {
		out = append(out, fmt.Sprintf("Audio: %d clips %s, %.1f MB as sent (base64)", clips, from, mb(clipSize)))
	}
	if videos > 0 {
		out = append(out, fmt.Sprintf("Videos: %d %s, %.1f MB as sent (base64 data URLs)", videos, from, mb(videoSize)))
	}
	if len(out) > 0 {
		out = append(out, fmt.Sprintf("Media prepared in %.2f s, before the run", took.Seconds()))
	}
	return out
}

// writeRecords writes --input-records (a config file's inline dataset)
// where it is read as the run's --input-file: dataset.records.jsonl in a
// folder of its own, which the plan removes when it closes. Errors then
// name that file and the record's line.
func writeRecords(p *config.Profile) (wrote bool, err error) {
	if p.InputRecords == "" || p.RecordsFile != "" {
		return false, nil
	}
	if p.InputFile != "" {
		return false, UsageError{errors.New("--input-records and --input-file are two datasets: give one")}
	}
	dir, err := os.MkdirTemp("", "sonde-records-")
	if err == nil {
		p.RecordsFile = filepath.Join(dir, "dataset.records.jsonl")
		err = os.WriteFile(p.RecordsFile, []byte(p.InputRecords+"\n"), 0o600)
	}
	if err != nil {
		return false, fmt.Errorf("--input-records: %w", err)
	}
	p.InputFile = p.RecordsFile
	return true, nil
}
