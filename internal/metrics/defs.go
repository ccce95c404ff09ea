// Package metrics computes AIPerf's metrics from records: per-request values,
// their statistics (numpy-linear percentiles), aggregates and derived
// throughputs, goodput, and sonde's per-turn breakdown. Pure maths: it never
// sees HTTP.
package metrics

// Flag is a metric property (AIPerf's MetricFlags).
type Flag uint32

// Metric flags.
const (
	StreamingOnly  Flag = 1 << iota // needs --streaming
	NoConsole                       // exported, not shown in the console table
	LargerIsBetter                  // SLO direction: value ≥ threshold
	ErrorOnly                       // computed for error records only
)

// Def describes a metric.
type Def struct {
	Tag    string
	Header string
	Unit   string // display unit
	Scale  float64
	Flags  Flag
	Order  int // console display order; 0 sorts last
}

// Has reports whether d carries flag f.
func (d *Def) Has(f Flag) bool { return d.Flags&f != 0 }

// Label is the console/CSV metric name: "<header> (<unit>)", without the
// unit for plain counts.
func (d *Def) Label() string {
	if d.Unit == "" || d.Unit == "requests" || d.Unit == "count" {
		return d.Header
	}
	return d.Header + " (" + d.Unit + ")"
}

const msPerNs = 1e-6

// The record metrics, in the order of their values in Values.
const (
	TTFT = iota
	TTST
	RequestLatency
	ITL
	OutputTPSPerUser
	OSL
	ISL
	OutputTokenCount
	ReasoningTokenCount
	ErrorISL
	// sonde's additions, beside AIPerf's numbers.
	ScheduleLag
	EffectiveTTFT
	EffectiveLatency
	UsagePromptTokens
	UsageCompletionTokens
	UsageCachedTokens
	ExpectedCachedTokens
	TTFTPerUncachedToken
	OSLMismatchPct
	// HTTP phases (k6's names, as AIPerf's trace metrics).
	HTTPBlocked
	HTTPDNS
	HTTPConnecting
	HTTPSending
	HTTPWaiting
	HTTPReceiving
	HTTPDuration
	HTTPConnOverhead
	HTTPTotal
	HTTPDataSent
	HTTPDataReceived
	HTTPConnReused
	// AIPerf's newer record metrics.
	TTFO
	DecodeDuration
	E2EOutputTPS
	PrefillTPSPerUser
	UsageTotalTokens
	UsageReasoningTokens
	UsagePromptDiffPct
	UsageCompletionDiffPct
	UsageReasoningDiffPct
	// Inputs counts the vectors or scores an embeddings or ranking request
	// answered (its inputs).
	Inputs
	// Images: AIPerf's image metrics, and sonde's sizes of what was sent.
	NumImages
	ImageThroughput
	ImageLatency
	ImageBytes
	ImagePixels
	// OutputImages counts the images an image generation answer carried.
	OutputImages
	// OutputVideos counts a finished video job; VideoInferenceTime and
	// VideoPeakMemory are the server's figures of it (AIPerf's).
	OutputVideos
	VideoInferenceTime
	VideoPeakMemory
	// Audio: sonde's sizes of the clips sent.
	NumAudios
	AudioSeconds
	AudioBytes
	// Video: sonde's sizes of the videos sent.
	NumVideos
	VideoBytes
	VideoFrames
	VideoSeconds
	// RTFx is the inverse real-time factor: seconds of audio sent per
	// second of the request's latency (AIPerf's rtfx).
	RTFx
	// Tool calls (chat): how many an answer made, and when the first of
	// them began streaming.
	ToolCallCount
	TTFToolCall
	numRecordMetrics
)

// recordDefs are AIPerf's per-record metrics (spec §2.4).
var recordDefs = [numRecordMetrics]Def{
	TTFT:                {Tag: "time_to_first_token", Header: "Time to First Token", Unit: "ms", Scale: msPerNs, Flags: StreamingOnly, Order: 100},
	TTST:                {Tag: "time_to_second_token", Header: "Time to Second Token", Unit: "ms", Scale: msPerNs, Flags: StreamingOnly, Order: 200},
	RequestLatency:      {Tag: "request_latency", Header: "Request Latency", Unit: "ms", Scale: msPerNs, Order: 300},
	ITL:                 {Tag: "inter_token_latency", Header: "Inter Token Latency", Unit: "ms", Scale: msPerNs, Flags: StreamingOnly, Order: 400},
	OutputTPSPerUser:    {Tag: "output_token_throughput_per_user", Header: "Output Token Throughput Per User", Unit: "tokens/sec/user", Scale: 1, Flags: StreamingOnly | LargerIsBetter, Order: 500},
	OSL:                 {Tag: "output_sequence_length", Header: "Output Sequence Length", Unit: "tokens", Scale: 1, Flags: LargerIsBetter, Order: 600},
	ISL:                 {Tag: "input_sequence_length", Header: "Input Sequence Length", Unit: "tokens", Scale: 1, Flags: LargerIsBetter, Order: 700},
	OutputTokenCount:    {Tag: "output_token_count", Header: "Output Token Count", Unit: "tokens", Scale: 1, Flags: LargerIsBetter | NoConsole},
	ReasoningTokenCount: {Tag: "reasoning_token_count", Header: "Reasoning Token Count", Unit: "tokens", Scale: 1, Flags: LargerIsBetter | NoConsole},
	ErrorISL:            {Tag: "error_isl", Header: "Error Input Sequence Length", Unit: "tokens", Scale: 1, Flags: LargerIsBetter | NoConsole | ErrorOnly},

	ScheduleLag:           {Tag: "schedule_lag", Header: "Schedule Lag", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	EffectiveTTFT:         {Tag: "effective_time_to_first_token", Header: "Effective Time to First Token", Unit: "ms", Scale: msPerNs, Flags: StreamingOnly | NoConsole},
	EffectiveLatency:      {Tag: "effective_latency", Header: "Effective Request Latency", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	UsagePromptTokens:     {Tag: "usage_prompt_tokens", Header: "Usage Prompt Tokens", Unit: "tokens", Scale: 1, Flags: NoConsole},
	UsageCompletionTokens: {Tag: "usage_completion_tokens", Header: "Usage Completion Tokens", Unit: "tokens", Scale: 1, Flags: NoConsole},
	UsageCachedTokens:     {Tag: "usage_prompt_cache_read_tokens", Header: "Usage Prompt Cache Read Tokens", Unit: "tokens", Scale: 1, Flags: NoConsole | LargerIsBetter},
	ExpectedCachedTokens:  {Tag: "expected_cached_tokens", Header: "Expected Cached Tokens", Unit: "tokens", Scale: 1, Flags: NoConsole | LargerIsBetter},
	OSLMismatchPct:        {Tag: "osl_mismatch_diff_pct", Header: "OSL Mismatch", Unit: "%", Scale: 1, Flags: NoConsole},
	TTFTPerUncachedToken:  {Tag: "ttft_per_uncached_token", Header: "TTFT per Uncached Prompt Token", Unit: "ms/token", Scale: msPerNs, Flags: StreamingOnly | NoConsole},

	HTTPBlocked:      {Tag: "http_req_blocked", Header: "HTTP Blocked", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPDNS:          {Tag: "http_req_dns_lookup", Header: "HTTP DNS Lookup", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPConnecting:   {Tag: "http_req_connecting", Header: "HTTP Connecting", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPSending:      {Tag: "http_req_sending", Header: "HTTP Sending", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPWaiting:      {Tag: "http_req_waiting", Header: "HTTP Waiting", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPReceiving:    {Tag: "http_req_receiving", Header: "HTTP Receiving", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPDuration:     {Tag: "http_req_duration", Header: "HTTP Duration", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPConnOverhead: {Tag: "http_req_connection_overhead", Header: "HTTP Connection Overhead", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPTotal:        {Tag: "http_req_total", Header: "HTTP Total", Unit: "ms", Scale: msPerNs, Flags: NoConsole},
	HTTPDataSent:     {Tag: "http_req_data_sent", Header: "HTTP Data Sent", Unit: "bytes", Scale: 1, Flags: NoConsole},
	HTTPDataReceived: {Tag: "http_req_data_received", Header: "HTTP Data Received", Unit: "bytes", Scale: 1, Flags: NoConsole},
	HTTPConnReused:   {Tag: "http_req_connection_reused", Header: "HTTP Connection Reused", Unit: "", Scale: 1, Flags: NoConsole},

	TTFO:                   {Tag: "time_to_first_output_token", Header: "Time to First Output Token", Unit: "ms", Scale: msPerNs, Flags: StreamingOnly | NoConsole},
	DecodeDuration:         {Tag: "decode_duration", Header: "Decode Duration", Unit: "ms", Scale: msPerNs, Flags: StreamingOnly | NoConsole},
	E2EOutputTPS:           {Tag: "e2e_output_token_throughput", Header: "End-to-End Output Token Throughput", Unit: "tokens/sec", Scale: 1, Flags: LargerIsBetter | NoConsole},
	PrefillTPSPerUser:      {Tag: "prefill_throughput_per_user", Header: "Prefill Throughput Per User", Unit: "tokens/sec/user", Scale: 1, Flags: StreamingOnly | LargerIsBetter | NoConsole},
	UsageTotalTokens:       {Tag: "usage_total_tokens", Header: "Usage Total Tokens", Unit: "tokens", Scale: 1, Flags: NoConsole},
	UsageReasoningTokens:   {Tag: "usage_reasoning_tokens", Header: "Usage Reasoning Tokens", Unit: "tokens", Scale: 1, Flags: NoConsole},
	UsagePromptDiffPct:     {Tag: "usage_prompt_tokens_diff_pct", Header: "Usage Prompt Tokens Diff", Unit: "%", Scale: 1, Flags: NoConsole},
	UsageCompletionDiffPct: {Tag: "usage_completion_tokens_diff_pct", Header: "Usage Completion Tokens Diff", Unit: "%", Scale: 1, Flags: NoConsole},
	UsageReasoningDiffPct:  {Tag: "usage_reasoning_tokens_diff_pct", Header: "Usage Reasoning Tokens Diff", Unit: "%", Scale: 1, Flags: NoConsole},
	Inputs:                 {Tag: "input_count", Header: "Inputs per Request", Unit: "inputs", Scale: 1, Flags: NoConsole | LargerIsBetter},
	NumImages:              {Tag: "num_images", Header: "Number of Images", Unit: "images", Scale: 1, Flags: NoConsole | LargerIsBetter},
	ImageThroughput:        {Tag: "image_throughput", Header: "Image Throughput", Unit: "images/sec", Scale: 1, Flags: LargerIsBetter, Order: 860},
	ImageLatency:           {Tag: "image_latency", Header: "Image Latency", Unit: "ms/image", Scale: msPerNs, Order: 861},
	ImageBytes:             {Tag: "image_bytes", Header: "Image Bytes", Unit: "bytes", Scale: 1, Flags: NoConsole},
	ImagePixels:            {Tag: "image_pixels", Header: "Image Pixels", Unit: "pixels", Scale: 1, Flags: NoConsole},
	OutputVideos:           {Tag: "output_video_count", Header: "Videos per Request", Unit: "videos", Scale: 1, Flags: NoConsole | LargerIsBetter},
	VideoInferenceTime:     {Tag: "video_inference_time", Header: "Video Inference Time", Unit: "sec", Scale: 1, Order: 866},
	VideoPeakMemory:        {Tag: "video_peak_memory", Header: "Video Peak Memory", Unit: "MB", Scale: 1, Order: 867},
	OutputImages:           {Tag: "output_image_count", Header: "Images per Request", Unit: "images", Scale: 1, Flags: NoConsole | LargerIsBetter},
	NumAudios:              {Tag: "num_audios", Header: "Number of Audio Clips", Unit: "clips", Scale: 1, Flags: NoConsole | LargerIsBetter},
	AudioSeconds:           {Tag: "audio_seconds", Header: "Audio Seconds", Unit: "s", Scale: 1, Flags: NoConsole},
	AudioBytes:             {Tag: "audio_bytes", Header: "Audio Bytes", Unit: "bytes", Scale: 1, Flags: NoConsole},
	NumVideos:              {Tag: "num_videos", Header: "Number of Videos", Unit: "videos", Scale: 1, Flags: NoConsole | LargerIsBetter},
	VideoBytes:             {Tag: "video_bytes", Header: "Video Bytes", Unit: "bytes", Scale: 1, Flags: NoConsole},
	VideoFrames:            {Tag: "video_frames", Header: "Video Frames", Unit: "frames", Scale: 1, Flags: NoConsole},
	VideoSeconds:           {Tag: "video_seconds", Header: "Video Seconds", Unit: "s", Scale: 1, Flags: NoConsole},
	RTFx:                   {Tag: "rtfx", Header: "RTFx", Unit: "x", Scale: 1, Flags: LargerIsBetter, Order: 865},
	ToolCallCount:          {Tag: "tool_call_count", Header: "Tool Calls per Request", Unit: "calls", Scale: 1, Flags: NoConsole},
	TTFToolCall:            {Tag: "time_to_first_tool_call", Header: "Time to First Tool Call", Unit: "ms", Scale: msPerNs, Flags: StreamingOnly | NoConsole},
}

// usageDiscrepancyPct is AIPerf's threshold: a record whose usage differs
// from the client's count by more than this in any diff is a discrepancy.
const usageDiscrepancyPct = 10

// iclDef is the list-valued inter-chunk latency.
var iclDef = Def{Tag: "inter_chunk_latency", Header: "Inter Chunk Latency", Unit: "ms", Scale: msPerNs, Flags: StreamingOnly | NoConsole}

// Scalar (aggregate and derived) metric definitions.
var (
	defOutputTPS       = Def{Tag: "output_token_throughput", Header: "Output Token Throughput", Unit: "tokens/sec", Scale: 1, Flags: LargerIsBetter, Order: 800}
	defRequestTPS      = Def{Tag: "request_throughput", Header: "Request Throughput", Unit: "requests/sec", Scale: 1, Flags: LargerIsBetter, Order: 900}
	defGoodput         = Def{Tag: "goodput", Header: "Goodput", Unit: "requests/sec", Scale: 1, Flags: LargerIsBetter, Order: 1000}
	defRequestCount    = Def{Tag: "request_count", Header: "Request Count", Unit: "requests", Scale: 1, Flags: LargerIsBetter, Order: 1100}
	defErrorCount      = Def{Tag: "error_request_count", Header: "Error Request Count", Unit: "requests", Scale: 1, Flags: ErrorOnly}
	defGoodCount       = Def{Tag: "good_request_count", Header: "Good Request Count", Unit: "requests", Scale: 1, Flags: NoConsole}
	defMinReqTS        = Def{Tag: "min_request_timestamp", Header: "Minimum Request Timestamp", Unit: "ns", Scale: 1, Flags: NoConsole}
	defMaxRespTS       = Def{Tag: "max_response_timestamp", Header: "Maximum Response Timestamp", Unit: "ns", Scale: 1, Flags: NoConsole}
	defDuration        = Def{Tag: "benchmark_duration", Header: "Benchmark Duration", Unit: "sec", Scale: 1e-9, Flags: NoConsole}
	defTotalOutput     = Def{Tag: "total_output_tokens", Header: "Total Output Tokens", Unit: "tokens", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defTotalReasoning  = Def{Tag: "total_reasoning_tokens", Header: "Total Reasoning Tokens", Unit: "tokens", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defTotalOSL        = Def{Tag: "total_osl", Header: "Total Output Sequence Length", Unit: "tokens", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defTotalISL        = Def{Tag: "total_isl", Header: "Total Input Sequence Length", Unit: "tokens", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defSessionCount    = Def{Tag: "session_count", Header: "Session Count", Unit: "sessions", Scale: 1, Flags: NoConsole | LargerIsBetter}
	defSessionTPS      = Def{Tag: "session_throughput", Header: "Session Throughput", Unit: "sessions/sec", Scale: 1, Flags: NoConsole | LargerIsBetter}
	defSessionDuration = Def{Tag: "session_duration", Header: "Session Duration", Unit: "sec", Scale: 1e-9, Flags: NoConsole}
	defSessionTurns    = Def{Tag: "session_turns", Header: "Turns per Session", Unit: "turns", Scale: 1, Flags: NoConsole}
	// An agent's view of its session: how far its context grew, and
	// whether every request of it met the SLOs.
	defSessionGrowth       = Def{Tag: "session_context_growth", Header: "Session Context Growth", Unit: "x", Scale: 1, Flags: NoConsole}
	defGoodSessions        = Def{Tag: "good_session_count", Header: "Good Session Count", Unit: "sessions", Scale: 1, Flags: NoConsole | LargerIsBetter}
	defGoodSessionFraction = Def{Tag: "good_session_fraction", Header: "Good Session Fraction", Unit: "", Scale: 1, Flags: NoConsole | LargerIsBetter}
	defThinkTime           = Def{Tag: "think_time", Header: "Think Time Applied", Unit: "ms", Scale: msPerNs, Flags: NoConsole}
	defServerCachePct      = Def{Tag: "overall_usage_prompt_cache_read_pct", Header: "Server Prompt Cache Hit Ratio", Unit: "%", Scale: 1, Flags: NoConsole | LargerIsBetter}
	defExpectedPct         = Def{Tag: "expected_prompt_cache_pct", Header: "Expected Prompt Cache Hit Ratio", Unit: "%", Scale: 1, Flags: NoConsole | LargerIsBetter}
	defOSLMismatch         = Def{Tag: "osl_mismatch_count", Header: "OSL Mismatch Count", Unit: "requests", Scale: 1, Flags: NoConsole}
	defTotalTPS            = Def{Tag: "total_token_throughput", Header: "Total Token Throughput", Unit: "tokens/sec", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defGoodFraction        = Def{Tag: "good_request_fraction", Header: "Good Request Fraction", Unit: "ratio", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defErrorRate           = Def{Tag: "request_error_rate", Header: "Request Error Rate", Unit: "%", Scale: 1, Flags: NoConsole}
	defUsageDiscrep        = Def{Tag: "usage_discrepancy_count", Header: "Usage Discrepancy Count", Unit: "requests", Scale: 1, Flags: NoConsole}
	defTotalInputs         = Def{Tag: "total_inputs", Header: "Total Inputs", Unit: "inputs", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defInputTPS            = Def{Tag: "input_throughput", Header: "Input Throughput", Unit: "inputs/sec", Scale: 1, Flags: LargerIsBetter, Order: 850}
	defInputTokenTPS       = Def{Tag: "input_token_throughput", Header: "Input Token Throughput", Unit: "tokens/sec", Scale: 1, Flags: LargerIsBetter, Order: 860}
	defTotalImages         = Def{Tag: "total_output_images", Header: "Total Output Images", Unit: "images", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defTotalVideos         = Def{Tag: "total_output_videos", Header: "Total Output Videos", Unit: "videos", Scale: 1, Flags: LargerIsBetter | NoConsole}
	defVideoOutTPS         = Def{Tag: "output_video_throughput", Header: "Output Video Throughput", Unit: "videos/sec", Scale: 1, Flags: LargerIsBetter, Order: 850}
	defImageOutTPS         = Def{Tag: "output_image_throughput", Header: "Output Image Throughput", Unit: "images/sec", Scale: 1, Flags: LargerIsBetter, Order: 850}
	defTotalErrorISL       = Def{Tag: "total_error_isl", Header: "Total Error Input Sequence Length", Unit: "tokens", Scale: 1, Flags: LargerIsBetter | NoConsole | ErrorOnly}
)

// NumRecordMetrics is the number of per-record metrics.
const NumRecordMetrics = numRecordMetrics

// RecordDef returns the definition of record metric i.
func RecordDef(i int) *Def { return &recordDefs[i] }

// LookupRecordTag finds a record metric by tag.
func LookupRecordTag(tag string) (int, bool) {
	for i := range recordDefs {
		if recordDefs[i].Tag == tag {
			return i, true
		}
	}
	return 0, false
}
