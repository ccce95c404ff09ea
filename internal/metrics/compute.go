package metrics

import (
	"math"

	"github.com/sonde-bench/sonde/internal/record"
)

// Values are one record's metric values in base units (ns, tokens).
// Presence is explicit: AIPerf treats a value of 0 as missing, which
// silently drops, say, the ITL of a request whose TTFT was 0 ns; sonde does not.
type Values struct {
	v   [numRecordMetrics]float64
	has uint64
	ICL []float64 // inter-chunk latencies in ns; nil when absent
}

// Get returns metric i and whether it exists.
func (v *Values) Get(i int) (float64, bool) { return v.v[i], v.has&(1<<uint(i)) != 0 }

// Set stores metric i (base units), for values read back from an export.
func (v *Values) Set(i int, x float64) { v.set(i, x) }

func (v *Values) set(i int, x float64) {
	v.v[i] = x
	v.has |= 1 << uint(i)
}

// Compute returns a record's metric values as AIPerf defines them (spec
// §2.4). streaming enables the streaming-only metrics.
func Compute(r *record.Record, streaming bool) Values {
	var v Values
	if !r.Valid() {
		if r.InputTokens > 0 || r.Error != nil {
			v.set(ErrorISL, float64(r.InputTokens))
		}
		return v
	}
	resp := r.Responses
	latency := float64(resp[len(resp)-1].Ns) - float64(r.StartNs)
	v.set(RequestLatency, latency)
	setTokens(&v, r)
	// Coordinated omission: the same request measured from when the schedule
	// meant it to go out.
	v.set(ScheduleLag, float64(r.StartNs-r.IntendedNs))
	v.set(EffectiveLatency, float64(r.EndNs-r.IntendedNs))
	v.set(ExpectedCachedTokens, float64(r.ExpectedCached))
	setHTTP(&v, r)
	cached := float64(r.ExpectedCached)
	if osl, ok := v.Get(OSL); ok && latency > 0 {
		v.set(E2EOutputTPS, osl/(latency/1e9))
	}
	if n := float64(r.Images); n > 0 {
		// AIPerf's: every image the request carried, per second of its
		// latency, and its latency per image.
		v.set(NumImages, n)
		v.set(ImageBytes, float64(r.ImageBytes))
		v.set(ImagePixels, float64(r.ImagePixels))
		if latency > 0 {
			v.set(ImageThroughput, n/(latency/1e9))
			v.set(ImageLatency, latency/n)
		}
	}
	if r.Audios > 0 {
		v.set(NumAudios, float64(r.Audios))
		v.set(AudioSeconds, r.AudioSeconds)
		v.set(AudioBytes, float64(r.AudioBytes))
		if latency > 0 && r.AudioSeconds > 0 {
			v.set(RTFx, r.AudioSeconds/(latency/1e9)) // AIPerf's: seconds of audio per second of latency
		}
	}
	if n := len(r.ToolCalls); n > 0 {
		v.set(ToolCallCount, float64(n))
	}
	if r.Videos > 0 {
		v.set(NumVideos, float64(r.Videos))
		v.set(VideoBytes, float64(r.VideoBytes))
		v.set(VideoFrames, float64(r.VideoFrames))
		v.set(VideoSeconds, r.VideoSeconds)
	}
	if u := r.Usage; u != nil {
		setUsage(&v, r)
		v.set(UsagePromptTokens, float64(u.PromptTokens))
		v.set(UsageCompletionTokens, float64(u.CompletionTokens))
		if c, ok := u.Cached(); ok {
			cached = float64(c)
			v.set(UsageCachedTokens, cached)
		}
	}
	if streaming {
		setStreaming(&v, r, latency, cached)
	}
	return v
}

// setTokens sets the token counts: ISL, OSL (answer and reasoning), the
// items of a batch, and how far OSL missed the output length asked for.
func setTokens(v *Values, r *record.Record) {
	v.set(ISL, float64(r.InputTokens))
	if r.Items > 0 {
		v.set(Inputs, float64(r.Items))
	}
	if r.OutputImages > 0 {
		v.set(OutputImages, float64(r.OutputImages))
	}
	if r.OutputVideos > 0 {
		v.set(OutputVideos, float64(r.OutputVideos))
		if r.VideoInferenceS > 0 {
			v.set(VideoInferenceTime, r.VideoInferenceS)
		}
		if r.VideoPeakMB > 0 {
			v.set(VideoPeakMemory, r.VideoPeakMB)
		}
	}
	if r.HasOutput || r.HasReasoning {
		v.set(OSL, float64(r.OutputTokens+r.ReasoningTokens))
	}
	if r.HasOutput && r.OutputTokens > 0 {
		v.set(OutputTokenCount, float64(r.OutputTokens))
	}
	if r.HasReasoning {
		v.set(ReasoningTokenCount, float64(r.ReasoningTokens))
	}
	if osl, ok := v.Get(OSL); ok && r.MaxTokens > 0 {
		v.set(OSLMismatchPct, (osl-float64(r.MaxTokens))/float64(r.MaxTokens)*100)
	}
}

// setStreaming sets the metrics only a streamed answer has: first tokens,
// the gaps between chunks, and ITL.
func setStreaming(v *Values, r *record.Record, latency, cached float64) {
	resp := r.Responses
	start, first := float64(r.StartNs), float64(resp[0].Ns)
	ttft := first - start
	for _, resp := range resp {
		if resp.Content > 0 { // the first answer text, after any reasoning
			v.set(TTFO, float64(resp.Ns)-start)
			break
		}
	}
	if len(r.ToolCalls) > 0 {
		for _, resp := range resp {
			if resp.Tool > 0 || resp.Content == 0 && resp.Reasoning == 0 { // a call's first piece (its name) has no arguments yet
				v.set(TTFToolCall, float64(resp.Ns)-start)
				break
			}
		}
	}
	if ttft >= 0 {
		v.set(TTFT, ttft)
		v.set(DecodeDuration, latency-ttft)
		if ttft > 0 {
			v.set(PrefillTPSPerUser, float64(r.InputTokens)/(ttft/1e9))
		}
		v.set(EffectiveTTFT, first-float64(r.IntendedNs))
		if uncached := float64(r.InputTokens) - cached; uncached > 0 {
			v.set(TTFTPerUncachedToken, ttft/uncached)
		}
	}
	if len(resp) >= 2 {
		if d := float64(resp[1].Ns) - first; d >= 0 {
			v.set(TTST, d)
		}
		icl := make([]float64, len(resp)-1)
		ok := true
		for i := 1; i < len(resp); i++ {
			icl[i-1] = float64(resp[i].Ns - resp[i-1].Ns)
			if icl[i-1] <= 0 {
				ok = false // AIPerf: any non-positive gap drops the whole metric
			}
		}
		if ok {
			v.ICL = icl
		}
	}
	osl, hasOSL := v.Get(OSL)
	if _, hasTTFT := v.Get(TTFT); hasTTFT && hasOSL && osl >= 2 {
		itl := (latency - ttft) / (osl - 1)
		v.set(ITL, itl)
		if itl > 0 {
			v.set(OutputTPSPerUser, 1e9/itl)
		}
	}
}

// setHTTP derives the http_req_* breakdown (k6's definitions) from the
// request's phases: blocked is waiting for a connection beyond DNS and
// connecting; connecting is TCP plus TLS; waiting ends at the first byte.
func setHTTP(v *Values, r *record.Record) {
	h := &r.HTTP
	if h.GotConn == 0 || h.Wrote == 0 {
		return
	}
	span := func(a, b int64) float64 {
		if a == 0 || b < a {
			return 0
		}
		return float64(b - a)
	}
	first := h.FirstByte
	if first == 0 {
		first = r.EndNs
	}
	// DNS and connecting count only while this request waited for its
	// connection: net/http may hand it a connection that came free while
	// the dial it started goes on (its trace hooks still fire, later), and
	// that dial's time is not this request's. So the phases partition the
	// request exactly, whatever the pool did.
	within := func(a, b int64) float64 {
		if a == 0 || b == 0 {
			return 0
		}
		return span(max(a, r.StartNs), min(b, h.GotConn))
	}
	dns := within(h.DNSStart, h.DNSDone)
	connecting := within(h.ConnectStart, h.ConnectDone) + within(h.TLSStart, h.TLSDone)
	blocked := max(0, span(r.StartNs, h.GotConn)-dns-connecting)
	sending, waiting, receiving := span(h.GotConn, h.Wrote), span(h.Wrote, first), span(first, r.EndNs)
	v.set(HTTPBlocked, blocked)
	v.set(HTTPDNS, dns)
	v.set(HTTPConnecting, connecting)
	v.set(HTTPSending, sending)
	v.set(HTTPWaiting, waiting)
	v.set(HTTPReceiving, receiving)
	v.set(HTTPDuration, sending+waiting+receiving)
	v.set(HTTPConnOverhead, blocked+dns+connecting)
	v.set(HTTPTotal, blocked+dns+connecting+sending+waiting+receiving)
	v.set(HTTPDataSent, float64(r.BytesSent))
	v.set(HTTPDataReceived, float64(r.BytesReceived))
	reused := 0.0
	if h.Reused {
		reused = 1
	}
	v.set(HTTPConnReused, reused)
}

// setUsage sets the server's usage and how far it is from the client's own
// counts (AIPerf's usage_*_diff_pct: |usage − client| / client · 100).
func setUsage(v *Values, r *record.Record) {
	u := r.Usage
	v.set(UsageTotalTokens, float64(u.TotalTokens))
	diff := func(i int, usage, client int) {
		if client > 0 {
			v.set(i, math.Abs(float64(usage-client))/float64(client)*100)
		}
	}
	diff(UsagePromptDiffPct, u.PromptTokens, r.ClientInputTokens)
	diff(UsageCompletionDiffPct, u.CompletionTokens, r.ClientOutputTokens+r.ClientReasoningTokens)
	if n, ok := u.Reasoning(); ok {
		v.set(UsageReasoningTokens, float64(n))
		diff(UsageReasoningDiffPct, n, r.ClientReasoningTokens)
	}
}
