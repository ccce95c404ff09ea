package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Validate applies AIPerf's rules (spec §1.3) and range checks, returning
// every problem at once, each naming its flag.
func (p *Profile) Validate() []error {
	p.ResolveLists()
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	p.checkLoad(add)
	p.checkDataset(add)
	p.checkNumbers(add)
	p.checkShapes(add)
	p.checkWarmup(add)
	p.checkStudy(add)
	p.checkServerAccess(add)
	p.checkText(add)
	p.checkImages(add)
	p.checkAudio(add)
	p.checkVideo(add)
	p.checkEncoding(add)
	p.checkPhases(add)
	p.checkDists(add)
	p.checkUserFiles(add)
	p.checkAdaptive(add)
	p.checkWarmupData(add)
	p.checkScenarios(add)
	for _, h := range p.Header {
		if _, err := ParseHeaders(h); err != nil {
			errs = append(errs, err)
		}
	}
	for _, u := range p.URL {
		if err := checkURL(u); err != nil {
			errs = append(errs, err)
		}
	}
	if t := p.Tokenizer; looksLikePath(t) {
		if _, err := os.Stat(t); err != nil {
			add("--tokenizer %s: %v", t, errors.Unwrap(err))
		}
	}
	errs = append(errs, p.checkOTel()...)
	errs = append(errs, checkFinite(p)...)
	errs = append(errs, checkRanges(p)...)
	return errs
}

// checkLoad: the load shape and the flags that only make sense together.
func (p *Profile) checkLoad(add func(string, ...any)) {
	if len(p.Model) == 0 || strings.TrimSpace(strings.Join(p.Model, "")) == "" {
		add("--model-names (-m, --model) is required")
	}
	if len(p.URL) == 0 {
		add("--url needs at least one URL")
	}
	if p.BenchmarkDuration != nil && p.RequestCount != nil && !p.CountOrDuration {
		add("Count-based and duration-based benchmarking cannot be used together. Use either --request-count or --benchmark-duration.")
	}
	if p.BenchmarkGracePeriod != nil && p.BenchmarkDuration == nil {
		add("--benchmark-grace-period can only be used with duration-based benchmarking")
	}
	if p.StartBarrier != "" && p.StartAt != "" {
		add("--start-barrier and --start-at both set the start: give one")
	}
	if p.StartBarrier != "" && !(p.StartBarrierTimeout > 0) {
		add("--start-barrier-timeout must be positive, got %v", p.StartBarrierTimeout)
	}
	if p.StartBarrierMargin < 0 {
		add("--start-barrier-margin must not be negative, got %v", p.StartBarrierMargin)
	}
	if p.RequestCount != nil && p.ConversationNum != nil {
		add("Both a request-count and number of conversations are set; use --request-count for single-turn runs or --conversation-num for multi-turn runs")
	}
	p.checkArrivals(add)
	if p.PrefillConcurrency != nil {
		if !p.Streaming {
			add("--prefill-concurrency requires --streaming to be enabled")
		}
		if p.Concurrency != nil && *p.PrefillConcurrency > *p.Concurrency {
			add("--prefill-concurrency (%d) cannot exceed --concurrency (%d)", *p.PrefillConcurrency, *p.Concurrency)
		}
	}
	if p.CancellationDelay != nil && p.CancellationRate == nil {
		add("--request-cancellation-delay can only be used with --request-cancellation-rate")
	}
	if r := p.CancellationRate; r != nil && (*r <= 0 || *r > 100) {
		add("--request-cancellation-rate must be a percentage in (0, 100], got %g", *r)
	}
	if d := p.CancellationDelay; d != nil && *d < 0 {
		add("--request-cancellation-delay must not be negative, got %g", *d)
	}
	if strings.TrimSpace(p.SessionHeader) == "" || strings.ContainsAny(p.SessionHeader, " :\t") {
		add("--session-header %q is not a header name", p.SessionHeader)
	}
	if p.ReplayOutputs != "" && p.ContextMode == ContextLive && p.ContextModeSet {
		add("--replay-outputs sends recorded answers; it cannot be combined with --conversation-context-mode deltas_without_responses")
	}
}

// checkArrivals: rates, patterns and their smoothness, users and sessions.
func (p *Profile) checkArrivals(add func(string, ...any)) {
	if p.ArrivalSmoothness != nil && p.ArrivalPattern != "gamma" && !(p.SessionArrivalRate != nil && p.SessionArrival == "gamma") {
		add("--arrival-smoothness can only be used with --arrival-pattern gamma (or --session-arrival-pattern gamma)")
	}
	if p.RequestRate != nil && p.ArrivalPattern == "concurrency_burst" {
		add("--arrival-pattern concurrency_burst cannot be used with --request-rate")
	}
	if p.UserCentricRate != nil {
		if p.RequestRate != nil || p.ArrivalPatternSet {
			add("--user-centric-rate cannot be used together with --request-rate or --arrival-pattern")
		}
		if p.NumUsers == nil {
			add("--user-centric-rate requires --num-users to be set")
		}
		if p.ConversationTurnMean < 2 {
			add("--user-centric-rate requires multi-turn conversations (--session-turns-mean >= 2)")
		}
		if *p.UserCentricRate <= 0 {
			add("--user-centric-rate must be greater than 0, got %g", *p.UserCentricRate)
		}
	} else if p.NumUsers != nil {
		add("--num-users can only be used with --user-centric-rate")
	}
	if p.SessionArrivalRate != nil {
		if p.RequestRate != nil || p.UserCentricRate != nil {
			add("--session-arrival-rate cannot be used together with --request-rate or --user-centric-rate")
		}
		if *p.SessionArrivalRate <= 0 {
			add("--session-arrival-rate must be greater than 0, got %g", *p.SessionArrivalRate)
		}
	}
	if k := p.SessionArrivalSmoothness; k != nil {
		switch {
		case p.SessionArrivalRate == nil || p.SessionArrival != "gamma":
			add("--session-arrival-smoothness needs --session-arrival-rate with --session-arrival-pattern gamma")
		case *k <= 0:
			add("--session-arrival-smoothness must be greater than 0, got %g", *k)
		}
	}
}

// ImagesOn reports whether chat turns carry synthetic images (AIPerf's
// rule: both mean dimensions and the batch size above 0).
func (p *Profile) ImagesOn() bool {
	return p.ImageWidthMean > 0 && p.ImageHeightMean > 0 && p.ImageBatchSize > 0
}

// checkImages follows AIPerf's image rules, and says which endpoints can
// take images.
func (p *Profile) checkImages(add func(string, ...any)) {
	dims := p.ImageWidthMean != 0 || p.ImageWidthStddev != 0 || p.ImageHeightMean != 0 || p.ImageHeightStddev != 0
	switch {
	case p.ImageBatchSize < 0:
		add("--image-batch-size must not be negative, got %d", p.ImageBatchSize)
	case !p.ImagesOn() && p.ImageBatchSize > 0 && dims:
		add("Image generation is disabled but image dimension options were provided: set --image-width-mean and --image-height-mean (and --image-batch-size) to send images")
	case p.ImagesOn() && p.InputFile != "":
		add("--image-* generate synthetic images: a file dataset (--input-file) carries its own")
	case p.ImagesOn() && p.EndpointType != "chat" && p.EndpointType != "image_edit" && p.EndpointType != "image_retrieval":
		add("--endpoint-type %s: images are sent with chat (OpenAI image_url content parts), image_edit (the reference image) or image_retrieval", p.EndpointType)
	case !p.ImagesOn() && (p.EndpointType == "image_edit" || p.EndpointType == "image_retrieval") && p.InputFile == "":
		add("--endpoint-type %s sends each turn's images: set --image-width-mean, --image-height-mean and --image-batch-size (or give a dataset file with images)", p.EndpointType)
	}
	for _, d := range []struct {
		flag string
		v    float64
	}{{"--image-width-mean", p.ImageWidthMean}, {"--image-width-stddev", p.ImageWidthStddev}, {"--image-height-mean", p.ImageHeightMean}, {"--image-height-stddev", p.ImageHeightStddev}} {
		if d.v < 0 || d.v > maxImageSide {
			add("%s must be 0 to %d pixels, got %g", d.flag, maxImageSide, d.v)
		}
	}
	if p.ImagesOn() && p.ImageSource == "noise" && p.ImageSourceSampling != "random-with-replacement" && p.ImageSourceSampling != "" {
		add("--image-source-sampling %s: noise images have no finite pool; only random-with-replacement applies", p.ImageSourceSampling)
	}
}

// AudioOn reports whether chat turns carry synthetic audio (AIPerf's rule).
func (p *Profile) AudioOn() bool { return p.AudioLengthMean > 0 && p.AudioBatchSize > 0 }

// checkAudio follows AIPerf's audio rules.
func (p *Profile) checkAudio(add func(string, ...any)) {
	switch {
	case p.AudioBatchSize < 0:
		add("--audio-batch-size must not be negative, got %d", p.AudioBatchSize)
	case p.AudioLengthMean < 0 || p.AudioLengthStddev < 0 || p.AudioLengthMean > 3600:
		add("--audio-length-mean and -stddev are 0 to 3600 seconds")
	case !p.AudioOn() && p.AudioBatchSize > 0 && p.AudioLengthStddev != 0:
		add("Audio generation is disabled but audio options were provided: set --audio-batch-size and --audio-length-mean to send audio")
	case p.AudioOn() && p.InputFile != "":
		add("--audio-* generate synthetic audio: a file dataset (--input-file) carries its own")
	case p.AudioOn() && p.EndpointType != "chat" && p.EndpointType != "audio_transcription":
		add("--endpoint-type %s: audio is sent with chat (OpenAI input_audio content parts) or audio_transcription (the file itself)", p.EndpointType)
	case !p.AudioOn() && p.EndpointType == "audio_transcription" && p.InputFile == "":
		add("--endpoint-type audio_transcription sends each turn's audio: set --audio-length-mean and --audio-batch-size (or give a dataset file with audio)")
	}
}

// checkEncoding: --request-content-type where a body can take it, and
// --uuid-and-strip where there are uuids to send.
func (p *Profile) checkEncoding(add func(string, ...any)) {
	switch {
	case p.RequestContentType == "application/json" && (p.EndpointType == "image_edit" || p.EndpointType == "audio_transcription"):
		add("--request-content-type application/json: --endpoint-type %s uploads a file, as multipart/form-data only", p.EndpointType)
	case p.RequestContentType == "multipart/form-data" && (p.EndpointType == "raw" || p.EndpointType == "template"):
		add("--request-content-type multipart/form-data: --endpoint-type %s sends its bodies as written", p.EndpointType)
	case p.UUIDAndStrip && p.EndpointType != "chat":
		add("--uuid-and-strip: image uuids go in chat image_url parts (--endpoint-type chat), not %s", p.EndpointType)
	case p.UUIDAndStrip && p.InputFile == "":
		add("--uuid-and-strip strips repeated images of a single_turn --input-file with image_uuids: synthetic images have no uuids")
	}
}

// VideosOn reports whether chat turns carry synthetic videos (AIPerf's
// rule: width and height set, and a batch).
func (p *Profile) VideosOn() bool {
	return p.VideoWidth > 0 && p.VideoHeight > 0 && p.VideoBatchSize > 0
}

// checkVideo follows AIPerf's video rules; the media package checks the
// values FFmpeg would refuse.
func (p *Profile) checkVideo(add func(string, ...any)) {
	switch {
	case p.VideoBatchSize < 0:
		add("--video-batch-size must not be negative, got %d", p.VideoBatchSize)
	case (p.VideoWidth > 0) != (p.VideoHeight > 0) || p.VideoWidth < 0 || p.VideoHeight < 0:
		add("--video-width and --video-height: set both (pixels) to send videos, or neither")
	case p.VideosOn() && p.InputFile != "":
		add("--video-* generate synthetic videos: a file dataset (--input-file) carries its own")
	case p.VideosOn() && p.EndpointType != "chat":
		add("--endpoint-type %s: videos are sent with chat (OpenAI-style video_url content parts)", p.EndpointType)
	}
}

// maxImageSide bounds an image's side: 16,384 px is beyond any vision
// encoder's input, and a typo above it would take gigabytes.
const maxImageSide = 16384

// checkDataset: input files, fixed schedules and prompt shaping.
func (p *Profile) checkDataset(add func(string, ...any)) {
	if p.PublicName() != "" && p.CustomDatasetType != "" {
		add("--public-dataset and --custom-dataset-type cannot be used together")
	}
	if p.InputRecords != "" && p.InputFile != p.RecordsFile {
		add("--input-records and --input-file are two datasets: give one")
	}

	if p.CustomDatasetType != "" && p.InputFile == "" {
		add("--custom-dataset-type %s needs --input-file", p.CustomDatasetType)
	}
	if p.InputFile != "" && p.CustomDatasetType == "" && p.PublicName() == "" && p.AccuracyBenchmark == "" {
		add("--input-file needs --custom-dataset-type (single_turn, multi_turn, random_pool, mooncake_trace, inputs_json, burst_gpt_trace, bailian_trace, baseten_trace, raw_payload, dag_jsonl, weka_trace, sagemaker_data_capture) or --public-dataset sharegpt")
	}
	p.checkReplay(add)
	p.checkAgentic(add)
	p.checkPublic(add)
	if p.FixedSchedule && p.InputFile == "" {
		add("Fixed schedule requires a file to be provided")
	}
	if p.FixedSchedule && p.NoFixedSchedule {
		add("--fixed-schedule and --no-fixed-schedule cannot be used together")
	}
	if p.FixedAutoOffset && p.FixedStartOffset != nil {
		add("--fixed-schedule-auto-offset and --fixed-schedule-start-offset cannot be used together")
	}
	if p.FixedStartOffset != nil && p.FixedEndOffset != nil && *p.FixedStartOffset > *p.FixedEndOffset {
		add("--fixed-schedule-start-offset (%d) must not be after --fixed-schedule-end-offset (%d)", *p.FixedStartOffset, *p.FixedEndOffset)
	}
	if (p.FixedAutoOffset || p.FixedStartOffset != nil || p.FixedEndOffset != nil) && (p.NoFixedSchedule || p.InputFile == "") {
		add("--fixed-schedule-* can only be used with --fixed-schedule")
	}
	if p.FixedSchedule && p.SamplingSet {
		add("Dataset sampling strategy is not compatible with fixed schedule mode")
	}
	if p.PrefixPoolSize > 0 && p.PrefixLength < 1 {
		add("--prompt-prefix-pool-size needs --prompt-prefix-length")
	}
	if p.PrefixLength > 0 && p.PrefixPoolSize < 1 {
		add("--prompt-prefix-length needs --prompt-prefix-pool-size")
	}
	if p.SharedSystemLength > 0 && p.PrefixPoolSize > 0 {
		add("--shared-system-prompt-length and --prompt-prefix-pool-size cannot be used together")
	}
	if p.PromptBatchSize < 1 {
		add("--prompt-batch-size must be at least 1, got %d", p.PromptBatchSize)
	}
	switch p.EndpointType {
	case "completions", "embeddings", "nim_embeddings", "template":
	default:
		if p.PromptBatchSize > 1 {
			add("--prompt-batch-size above 1 needs --endpoint-type completions, embeddings, nim_embeddings or template, not %s", p.EndpointType)
		}
	}
	ranks := strings.HasSuffix(p.EndpointType, "rankings")
	if ranks && (p.RankingsPassagesMean < 1 || p.RankingsPassageTokensMean < 1 || p.RankingsQueryTokensMean < 1) {
		add("--rankings-passages-mean, --rankings-passages-prompt-token-mean and --rankings-query-prompt-token-mean must be at least 1")
	}
	if p.Transport != "" && !strings.EqualFold(p.Transport, "http") {
		add("--transport: %q is not one sonde speaks: http (HTTP/1.1, SSE for streams), as AIPerf", p.Transport)
	}
	if p.ApplyChatTemplate && p.EndpointType != "chat" {
		add("--apply-chat-template applies to --endpoint-type chat, not %s", p.EndpointType)
	}
	if p.PreviousResponseID && p.EndpointType != "responses" {
		add("--use-previous-response-id applies to --endpoint-type responses, not %s", p.EndpointType)
	}
	if (p.PrefixPoolSize > 0 || p.SharedSystemLength > 0 || p.UserContextLength > 0 || p.SeqDist != "") && p.InputFile != "" {
		add("prompt shaping (--prompt-prefix-*, --shared-system-prompt-length, --user-context-prompt-length, --seq-dist) applies to synthetic data, not --input-file")
	}
	if p.ISLBlockSize < 1 {
		add("--isl-block-size must be at least 1, got %d", p.ISLBlockSize)
	}
}

// checkNumbers: counts, rates and durations in range.
func (p *Profile) checkNumbers(add func(string, ...any)) {
	positiveInt := func(flag string, v *int) {
		if v != nil && *v < 1 {
			add("%s must be at least 1, got %d", flag, *v)
		}
	}
	concurrency := p.ConcurrencyList
	if p.Concurrency != nil && len(concurrency) < 2 {
		concurrency = []int{*p.Concurrency}
	}
	for _, c := range concurrency {
		if c < 1 {
			add("--concurrency must be at least 1 (the number of sessions in flight at once), got %d", c)
		}
	}
	positiveInt("--request-count", p.RequestCount)
	positiveInt("--conversation-num", p.ConversationNum)
	positiveInt("--prompt-output-tokens-mean (--osl)", p.OutputTokensMean)
	positiveInt("--prefill-concurrency", p.PrefillConcurrency)
	positiveInt("--num-users", p.NumUsers)
	if p.NumDatasetEntries < 1 {
		add("--num-dataset-entries must be at least 1, got %d", p.NumDatasetEntries)
	}
	if p.RequestRate != nil && *p.RequestRate <= 0 {
		add("--request-rate must be greater than 0, got %g", *p.RequestRate)
	}
	if p.BenchmarkDuration != nil && *p.BenchmarkDuration <= 0 {
		add("--benchmark-duration must be greater than 0, got %g", *p.BenchmarkDuration)
	}
	if p.BenchmarkGracePeriod != nil && *p.BenchmarkGracePeriod < 0 {
		add("--benchmark-grace-period must not be negative, got %g", *p.BenchmarkGracePeriod)
	}
	if p.ArrivalSmoothness != nil && *p.ArrivalSmoothness <= 0 {
		add("--arrival-smoothness must be greater than 0, got %g", *p.ArrivalSmoothness)
	}
	if p.ConversationTurnMean < 1 {
		add("--conversation-turn-mean must be at least 1, got %g", p.ConversationTurnMean)
	}
	if p.InputTokensMean < 1 {
		add("--prompt-input-tokens-mean (--isl) must be at least 1, got %d", p.InputTokensMean)
	}
	nonNeg := func(flag string, v float64) {
		if v < 0 {
			add("%s must not be negative, got %g", flag, v)
		}
	}
	nonNeg("--conversation-turn-stddev", p.ConversationTurnStddev)
	nonNeg("--conversation-turn-delay-mean", p.ConversationDelayMean)
	nonNeg("--conversation-turn-delay-stddev", p.ConversationDelayStddev)
	nonNeg("--conversation-turn-delay-ratio", p.ConversationDelayRatio)
	nonNeg("--prompt-input-tokens-stddev", p.InputTokensStddev)
	nonNeg("--prompt-output-tokens-stddev", p.OutputTokensStddev)
	if p.WarmupConnections < 0 || p.WarmupConnections > 100000 {
		add("--warmup-connections must be between 0 and 100000, got %d", p.WarmupConnections)
	}
	if p.WarmupRequestCount < 0 {
		add("--warmup-request-count must not be negative, got %d", p.WarmupRequestCount)
	}
	if p.RandomSeed != nil && *p.RandomSeed < 0 {
		add("--random-seed must be 0 or more, got %d", *p.RandomSeed)
	}
	if p.RequestTimeoutSeconds <= 0 {
		add("--request-timeout-seconds must be greater than 0, got %g", p.RequestTimeoutSeconds)
	}
}

// checkURL accepts what AIPerf does (a scheme-less host:port gets http://)
// and sim://, and rejects other schemes and unparsable URLs up front, before
// anything is sent.
func checkURL(raw string) error {
	u := strings.TrimSpace(raw)
	if u == "" {
		return errors.New("--url must not be empty")
	}
	scheme, ok := hasScheme(u)
	if !ok {
		return fmt.Errorf("--url %s: scheme %q is not supported (use http://, https:// or sim://)", RedactURL(u), scheme)
	}
	if strings.EqualFold(scheme, "sim") {
		return nil
	}
	if scheme == "" {
		u = "http://" + u
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("--url %s: not a valid URL", RedactURL(raw))
	}
	if parsed.Host == "" || parsed.Hostname() == "" {
		return fmt.Errorf("--url %s: no host", RedactURL(raw))
	}
	if port := parsed.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("--url %s: port %q is not in 1..65535", RedactURL(raw), port)
		}
	}
	return nil
}

// hasScheme reports whether u names a scheme sonde can speak.
func hasScheme(u string) (scheme string, ok bool) {
	s, _, found := strings.Cut(u, "://")
	if !found {
		return "", true // AIPerf adds http://
	}
	switch strings.ToLower(s) {
	case "http", "https", "sim":
		return s, true
	}
	return s, false
}

// looksLikePath tells a --tokenizer that names a file or folder from a Hub
// model name ("org/name"): a path is absolute, starts with . or ~, or names
// a .json file. Such a value must exist; it is never looked up on the Hub.
func looksLikePath(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "~") || strings.HasSuffix(s, ".json")
}

// RedactURL hides the password of every URL in raw (one URL, a comma
// list, a message): http://user:pw@host becomes http://user:xxxxx@host.
func RedactURL(raw string) string {
	return urlCredentials.ReplaceAllString(raw, "$1://$2:"+redactedUser+"@")
}

const redactedUser = "xxxxx"

// ParseHeaders reads a --header value: "Name:Value" (or "Name: Value"), or
// AIPerf's JSON form, an object of names to string values.
func ParseHeaders(h string) ([][2]string, error) {
	if t := strings.TrimSpace(h); strings.HasPrefix(t, "{") {
		var m map[string]string
		if err := json.Unmarshal([]byte(t), &m); err != nil {
			return nil, fmt.Errorf("--header %q: not a JSON object of strings: %v", h, err)
		}
		out := make([][2]string, 0, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t:") {
				return nil, fmt.Errorf("--header %q: %q is not a header name", h, k)
			}
			if hasControl(k) || hasControl(m[k]) {
				return nil, fmt.Errorf("--header %s: a line break or a control character in the name or the value", k)
			}
			out = append(out, [2]string{k, m[k]})
		}
		return out, nil
	}
	k, v, ok := strings.Cut(h, ":")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return nil, fmt.Errorf("--header: a value is not in 'Name:Value' format (its text is not shown: it may hold a secret)")
	}
	if hasControl(k) || hasControl(v) {
		return nil, fmt.Errorf("--header %s: a line break or a control character in the name or the value", k)
	}
	return [][2]string{{k, strings.TrimSpace(v)}}, nil
}

// hasControl reports a byte no HTTP header may carry (a tab aside): a CR or
// LF would end the header and start another.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f })
}

// checkText refuses, before the run, text that would only fail when sent:
// control characters in a header name or path, an empty model name, an
// export prefix that is a path (the files stay in the run folder).
func (p *Profile) checkText(add func(string, ...any)) {
	if p.SessionHeader != "" && (hasControl(p.SessionHeader) || strings.ContainsAny(p.SessionHeader, " :")) {
		add("--session-header %q is not a header name", p.SessionHeader)
	}
	if hasControl(p.CustomEndpoint) || strings.ContainsAny(p.CustomEndpoint, " ") {
		add("--custom-endpoint %q: a path has no spaces, line breaks or control characters", p.CustomEndpoint)
	}
	for _, m := range p.Model {
		if strings.TrimSpace(m) == "" || hasControl(m) {
			add("--model-names %q: a model name is not empty and has no control characters", m)
		}
	}
	if x := p.ExportPrefix; x != "" && (x != filepath.Base(x) || x == "." || x == ".." || strings.ContainsAny(x, `/\`)) {
		add("--profile-export-prefix %q: a file name, not a path (the files go into the run folder; choose it with --output-artifact-dir)", x)
	}
}

// Join folds validation errors into one error with a line each.
func Join(errs []error) error { return errors.Join(errs...) }
