package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/jsonw"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
)

// responder renders one engine stream as SSE chunks or one JSON body.
type responder struct {
	w       http.ResponseWriter
	chat    bool
	d       dialect // nil: OpenAI chat or completions chunks
	model   string
	id      string
	created int64
	metrics *promMetrics
	arrival time.Time
	fault   int
	stall   time.Duration

	rec  *record
	keep bool // keep the answer text for the record file
	text strings.Builder
	// firstToken runs when the first token is taken (prefill is over).
	firstToken func()
	// tool, when set, makes the answer a call of that tool (chat).
	tool *toolAnswer
	args []byte
	// fixed, when set, is the answer's text (--answer-key), sent in its
	// one token's place.
	fixed string
}

func (o *responder) object(chunk bool) string {
	switch {
	case o.chat && chunk:
		return "chat.completion.chunk"
	case o.chat:
		return "chat.completion"
	}
	return "text_completion"
}

func (o *responder) usage(st sim.Stream, prompt, completion int) *openai.Usage {
	u := &openai.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion,
		PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: st.CachedTokens()}}
	if r := min(st.ReasoningLen(), completion); r > 0 {
		u.CompletionTokensDetails = &openai.CompletionTokensDetails{ReasoningTokens: r}
	}
	return u
}

// chunkTemplate pre-renders the bytes around a token's text, so streaming
// a token costs an append and a write instead of a JSON encoding: the
// simulator must not be the bottleneck of what it helps measure.
type chunkTemplate struct {
	head, tail []byte
}

func (o *responder) template(field, finish string) chunkTemplate {
	id, _ := json.Marshal(o.id)
	model, _ := json.Marshal(o.model)
	fin := "null"
	if finish != "" {
		fin = `"` + finish + `"`
	}
	head := `data: {"id":` + string(id) + `,"object":"` + o.object(true) + `","created":` + strconv.FormatInt(o.created, 10) + `,"model":` + string(model)
	if o.chat {
		return chunkTemplate{
			head: []byte(head + `,"choices":[{"index":0,"delta":{"` + field + `":`),
			tail: []byte(`},"finish_reason":` + fin + `}]}` + "\n\n"),
		}
	}
	return chunkTemplate{
		head: []byte(head + `,"choices":[{"index":0,"text":`),
		tail: []byte(`,"finish_reason":` + fin + `}]}` + "\n\n"),
	}
}

func (c *chunkTemplate) render(dst []byte, text string) []byte {
	dst = append(dst, c.head...)
	dst = jsonw.String(dst, text)
	return append(dst, c.tail...)
}

// injectMidway applies a mid-stream fault; false means stop responding.
func (o *responder) injectMidway(ctx context.Context, write func([]byte) bool) bool {
	switch o.fault {
	case sim.FaultDisconnect:
		if conn, _, err := http.NewResponseController(o.w).Hijack(); err == nil {
			conn.Close()
		}
		return false
	case sim.FaultMalformed:
		return write([]byte("data: {\"id\": \"broken\", \"choices\": [\n\n"))
	case sim.FaultStall:
		return sleepCtx(ctx, o.stall)
	}
	return true
}

func (o *responder) stream(ctx context.Context, st sim.Stream, promptTokens int, includeUsage, continuous bool) {
	rc := o.startStream()
	var buf []byte
	write := func(b []byte) bool {
		_, err := o.w.Write(b)
		return err == nil
	}
	send := func(resp *openai.Response) bool {
		b, _ := json.Marshal(resp)
		buf = append(append(append(buf[:0], "data: "...), b...), "\n\n"...)
		return write(buf)
	}
	total := st.Len()
	tpls := [2][2]chunkTemplate{
		{o.template("content", ""), o.template("content", st.FinishReason())},
		{o.template("reasoning_content", ""), o.template("reasoning_content", st.FinishReason())},
	}
	n := 0
	var last time.Time
	for {
		tok, ok, err := st.Next(ctx)
		if err != nil {
			return // the client went away
		}
		if !ok {
			break
		}
		if o.fixed != "" && !tok.Reasoning {
			tok.Text = o.fixed
		}
		last = o.observe(n, last)
		if n == total/2 && o.fault != sim.FaultNone {
			rc.Flush()
			if !o.injectMidway(ctx, write) {
				return
			}
		}
		n++
		if !o.sendToken(&buf, st, tok, n, promptTokens, continuous, &tpls, send, write) {
			return
		}
		if o.keep && !tok.Reasoning {
			o.text.WriteString(tok.Text)
		}
		if st.Buffered() == 0 {
			// Flush only when caught up: tokens of one engine step go out in
			// one write, as a real server's do under load.
			if rc.Flush() != nil {
				return
			}
		}
	}
	if o.d != nil {
		buf = buf[:0]
		if n == 0 {
			buf = o.d.open(buf, o, st, promptTokens)
		}
		o.done(st, promptTokens, n)
		write(o.d.close(buf, o, o.usage(st, promptTokens, n), st.FinishReason()))
		rc.Flush()
		return
	}
	if includeUsage {
		if !send(&openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model,
			Choices: []openai.Choice{}, Usage: o.usage(st, promptTokens, n)}) {
			return
		}
	}
	// Counted before the end is written: a client that has seen the end
	// finds the request in /metrics (a final scrape agrees with it).
	o.done(st, promptTokens, n)
	write([]byte("data: [DONE]\n\n"))
	rc.Flush()
}

// sendToken writes token n (1-based) of total in the request's dialect:
// its own events, a continuous-usage chunk, or a pre-rendered chunk (tpls:
// content then reasoning, each not-last then last). false: the client left.
func (o *responder) sendToken(buf *[]byte, st sim.Stream, tok sim.Token, n, promptTokens int, continuous bool,
	tpls *[2][2]chunkTemplate, send func(*openai.Response) bool, write func([]byte) bool) bool {
	last := n == st.Len()
	if o.d != nil {
		*buf = (*buf)[:0]
		if n == 1 {
			*buf = o.d.open(*buf, o, st, promptTokens)
		}
		if td, ok := o.d.(toolDialect); ok && o.tool != nil && !tok.Reasoning {
			first := !o.tool.opened
			o.tool.opened = true
			*buf = td.toolToken(*buf, o, string(argsPiece(nil, tok.Text, first, last)), first, last)
		} else {
			*buf = o.d.token(*buf, tok, last)
		}
		return write(*buf)
	}
	if o.chat && n == 1 {
		// vLLM sends the role in its own first chunk.
		if !send(&openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model,
			Choices: []openai.Choice{{Delta: &openai.Delta{Role: "assistant", Content: new(string)}}}}) {
			return false
		}
	}
	if continuous {
		return send(o.usageChunk(st, tok, promptTokens, n, last))
	}
	if o.tool != nil && !tok.Reasoning {
		o.args = argsPiece(o.args[:0], tok.Text, !o.tool.opened, last)
		*buf = o.toolChunk((*buf)[:0], o.args, last)
		return write(*buf)
	}
	isLast, kind := 0, 0
	if last {
		isLast = 1
	}
	if tok.Reasoning && o.chat {
		kind = 1
	}
	*buf = tpls[kind][isLast].render((*buf)[:0], tok.Text)
	return write(*buf)
}

// observe records token n's latency: TTFT for the first, ITL after.
func (o *responder) observe(n int, last time.Time) time.Time {
	now := time.Now()
	if n == 0 {
		o.rec.FirstTokenUnixNs = now.UnixNano() // before the write: a client sees it later
		o.firstToken()
		o.metrics.ttft.Observe(now.Sub(o.arrival).Seconds())
	} else {
		o.metrics.itl.Observe(now.Sub(last).Seconds())
	}
	return now
}

// done records a completed request.
func (o *responder) done(st sim.Stream, promptTokens, n int) {
	o.rec.TokensSent = n
	o.metrics.e2e.Observe(time.Since(o.arrival).Seconds())
	o.metrics.success.WithLabelValues(st.FinishReason()).Inc()
	o.metrics.promptTokens.Add(float64(promptTokens))
	o.metrics.genTokens.Add(float64(n))
}

func (o *responder) whole(ctx context.Context, st sim.Stream, promptTokens int) {
	var content, reasoning strings.Builder
	n := 0
	var last time.Time
	for {
		tok, ok, err := st.Next(ctx)
		if err != nil {
			return
		}
		if !ok {
			break
		}
		if o.fixed != "" && !tok.Reasoning {
			tok.Text = o.fixed
		}
		last = o.observe(n, last)
		n++
		if tok.Reasoning {
			reasoning.WriteString(tok.Text)
		} else {
			content.WriteString(tok.Text)
		}
	}
	switch o.fault {
	case sim.FaultDisconnect, sim.FaultStall:
		if !o.injectMidway(ctx, nil) {
			return
		}
	case sim.FaultMalformed:
		o.w.Header().Set("Content-Type", "application/json")
		o.w.Write([]byte(`{"id": "broken", "choices": [`))
		return
	}
	c, r := content.String(), reasoning.String()
	if o.keep {
		o.text.WriteString(c)
	}
	finish := st.FinishReason()
	if o.d != nil {
		u := o.usage(st, promptTokens, n)
		o.done(st, promptTokens, n)
		writeJSON(o.w, http.StatusOK, o.d.body(o, c, r, u, finish))
		return
	}
	resp := &openai.Response{ID: o.id, Object: o.object(false), Created: o.created, Model: o.model, Usage: o.usage(st, promptTokens, n)}
	switch {
	case o.tool != nil && o.chat:
		finish = "tool_calls"
		resp.Choices = []openai.Choice{{Message: o.wholeToolCall(c), FinishReason: &finish}}
	case !o.chat:
		all := r + c
		resp.Choices = []openai.Choice{{Text: &all, FinishReason: &finish}}
	case r != "":
		resp.Choices = []openai.Choice{{Message: &openai.Delta{Role: "assistant", Content: &c, ReasoningContent: &r}, FinishReason: &finish}}
	default:
		resp.Choices = []openai.Choice{{Message: &openai.Delta{Role: "assistant", Content: &c}, FinishReason: &finish}}
	}
	o.done(st, promptTokens, n)
	writeJSON(o.w, http.StatusOK, resp)
}

// startStream sends the SSE response headers at once.
func (o *responder) startStream() *http.ResponseController {
	h := o.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	o.w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(o.w)
	rc.Flush()
	return rc
}

// usageChunk is a token's chunk with the usage so far
// (stream_options.continuous_usage_stats), encoded the slow way: it is rare.
func (o *responder) usageChunk(st sim.Stream, tok sim.Token, promptTokens, n int, last bool) *openai.Response {
	resp := &openai.Response{ID: o.id, Object: o.object(true), Created: o.created, Model: o.model, Usage: o.usage(st, promptTokens, n)}
	var fin *string
	if last {
		f := st.FinishReason()
		fin = &f
	}
	t := tok.Text
	switch {
	case !o.chat:
		resp.Choices = []openai.Choice{{Text: &t, FinishReason: fin}}
	case tok.Reasoning:
		resp.Choices = []openai.Choice{{Delta: &openai.Delta{ReasoningContent: &t}, FinishReason: fin}}
	default:
		resp.Choices = []openai.Choice{{Delta: &openai.Delta{Content: &t}, FinishReason: fin}}
	}
	return resp
}
