package httpapi

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
)

var faultNames = map[int]string{sim.FaultError: "error", sim.FaultDisconnect: "disconnect", sim.FaultMalformed: "malformed", sim.FaultStall: "stall"}

func (s *Server) generate(w http.ResponseWriter, r *http.Request, a api) {
	chat := a == apiChat
	n, arrival, rec, body, err := s.begin(r)
	defer s.inFlight.Add(-1)
	out := &responder{w: w, chat: chat, d: newDialect(a), id: answerID(a, n), created: arrival.Unix(), metrics: s.metrics, arrival: arrival, rec: rec, keep: s.rec != nil}
	raiseMax(&s.maxPrefill, s.prefilling.Add(1))
	var prefillDone atomic.Bool
	out.firstToken = func() {
		if prefillDone.CompareAndSwap(false, true) {
			s.prefilling.Add(-1)
		}
	}
	defer out.firstToken()
	if s.rec != nil {
		defer func() { s.finish(rec, arrival, body, out.text.String()) }()
	}
	if err != nil {
		badRequest(w, rec, "reading body: "+err.Error())
		return
	}
	req, sreq, dr, msg := s.parse(body, a, r.URL.Path == "/generate_stream", arrival)
	if msg != "" {
		badRequest(w, rec, msg)
		return
	}
	kind, answered := s.fault(w, rec, n)
	if answered {
		return
	}
	out.model = req.Model
	if out.model == "" {
		out.model = s.opts.Model
	}
	out.fault, out.stall = kind, s.opts.Faults.Stall
	if text, right, ok := s.keyedAnswer(&req, n); ok && (a == apiChat || a == apiCompletions) {
		out.fixed, rec.Answered = text, map[bool]string{true: "right", false: "wrong"}[right]
		sreq.MaxTokens = 1 // the answer, whole, in one token's place
	}
	if (chat || a == apiResponses || a == apiMessages) && len(req.Tools) > 0 && s.callsTool(n) {
		name := req.Tools[0].Function.Name
		if name == "" {
			name = req.Tools[0].Name
		}
		out.tool = &toolAnswer{id: fmt.Sprintf("call_%d", n), name: name}
	}
	stream := s.engine.Start(sreq)
	defer stream.Close()
	rec.PromptTokens = sreq.PromptTokens
	if a == apiResponses && dr.store {
		defer func() { s.history.put(out.id, req.Messages, out.answer()) }()
	}
	if req.Stream {
		so := req.StreamOptions
		out.stream(r.Context(), stream, sreq.PromptTokens, so != nil && so.IncludeUsage, so != nil && so.ContinuousUsageStats)
	} else {
		out.whole(r.Context(), stream, sreq.PromptTokens)
	}
	rec.CachedTokens = stream.CachedTokens()
	if s.tracer != nil && rec.FirstTokenUnixNs != 0 {
		s.tracer.request(r.Header, rec, out.model, sreq.MaxTokens, arrival, scheduled(stream, arrival), time.Unix(0, rec.FirstTokenUnixNs), time.Now())
	}
}

// scheduled is when the engine admitted a request: the batching engine
// says; the fixed one has no queue.
func scheduled(st sim.Stream, arrival time.Time) time.Time {
	if s, ok := st.(interface{ Scheduled() time.Time }); ok && !s.Scheduled().IsZero() {
		return s.Scheduled()
	}
	return arrival
}

// badRequest answers 400 with why.
func badRequest(w http.ResponseWriter, rec *record, msg string) {
	rec.Status = http.StatusBadRequest
	writeError(w, http.StatusBadRequest, msg, "BadRequestError")
}

// fault draws request n's fault; an injected error is answered here
// (answered true), the others are the caller's to play.
func (s *Server) fault(w http.ResponseWriter, rec *record, n int64) (kind int, answered bool) {
	kind, code := s.opts.Faults.Decide(s.opts.Seed, uint64(n))
	rec.Fault = faultNames[kind]
	if kind != sim.FaultError {
		return kind, false
	}
	rec.Status = code
	writeError(w, code, "injected fault", http.StatusText(code))
	return kind, true
}

// begin counts a request in (the caller defers s.inFlight.Add(-1)), reads
// its body and starts its line of the record file.
func (s *Server) begin(r *http.Request) (n int64, arrival time.Time, rec *record, body []byte, err error) {
	arrival = time.Now()
	n = s.requests.Add(1)
	raiseMax(&s.maxIn, s.inFlight.Add(1))
	body, err = io.ReadAll(r.Body)
	rec = &record{Path: r.URL.Path, CorrelationID: r.Header.Get("X-Correlation-ID"), RequestID: r.Header.Get("X-Request-ID"), TraceParent: r.Header.Get("Traceparent"),
		RemoteAddr: r.RemoteAddr, Status: http.StatusOK, Profiled: s.profiling.Load()}
	if s.rec != nil {
		rec.Headers = map[string]string{}
		for k, v := range r.Header {
			if strings.HasPrefix(k, "X-") && k != "X-Api-Key" && k != "X-Amz-Security-Token" { // a secret never reaches a file
				rec.Headers[k] = v[0]
			}
		}
	}
	return n, arrival, rec, body, err
}

// end closes a request whose answer has no text to record (pooling, images,
// video): its line of the record file, then the in-flight count.
func (s *Server) end(rec *record, arrival time.Time, body []byte) {
	if s.rec != nil {
		s.finish(rec, arrival, body, "")
	}
	s.inFlight.Add(-1)
}

// finish writes the request's line of the record file.
func (s *Server) finish(rec *record, arrival time.Time, body []byte, response string) {
	end := time.Now()
	rec.ReceivedNs, rec.FinishedNs = arrival.Sub(s.start).Nanoseconds(), end.Sub(s.start).Nanoseconds()
	rec.ReceivedUnixNs, rec.FinishedUnixNs = arrival.UnixNano(), end.UnixNano()
	rec.Body = json.RawMessage(body)
	if !json.Valid(body) {
		rec.Body, _ = json.Marshal(string(body))
	}
	rec.Response = response
	s.writeRecord(rec)
}

// prompt fills the request's prompt tokens and answer seed. Chat prompts are
// the concatenated message contents (no chat template), so prompt_tokens
// equals the client's ISL and turn k+1's prompt extends turn k's exactly.
func (s *Server) prompt(req *openai.Request, chat bool, out *sim.Request) error {
	if chat && len(req.Messages) == 0 {
		return fmt.Errorf("messages must not be empty")
	}
	h := fnv.New64a()
	if chat {
		for _, m := range req.Messages {
			out.PromptIDs = s.prompts.ids(m.Content, out.PromptIDs)
			io.WriteString(h, m.Role)
			io.WriteString(h, ": ")
			io.WriteString(h, m.Content)
			io.WriteString(h, "\n")
			for _, c := range m.ToolCalls { // a call the model made is prompt now
				out.PromptIDs = s.prompts.ids(c.Function.Arguments, out.PromptIDs)
				io.WriteString(h, c.Function.Name+c.Function.Arguments)
			}
			for _, im := range m.Images {
				var err error
				if out.PromptIDs, err = s.prompts.imageTokens(im, out.PromptIDs); err != nil {
					return err
				}
				io.WriteString(h, im.URL)
			}
			for _, a := range m.Audios {
				var err error
				if out.PromptIDs, err = s.prompts.audioTokens(a, out.PromptIDs); err != nil {
					return err
				}
				io.WriteString(h, a.Data)
			}
			for _, v := range m.Videos {
				var err error
				if out.PromptIDs, err = s.prompts.videoTokens(v, out.PromptIDs); err != nil {
					return err
				}
				io.WriteString(h, v.URL)
			}
		}
	} else {
		text, err := completionPrompt(req.Prompt)
		if err != nil {
			return err
		}
		out.PromptIDs = s.prompts.ids(text, nil)
		io.WriteString(h, text)
	}
	out.PromptKey = h.Sum64()
	out.PromptTokens = len(out.PromptIDs)
	return nil
}

// completionPrompt reads a completions prompt: a string or a list of strings.
func completionPrompt(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", fmt.Errorf("prompt is required")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return "", fmt.Errorf("prompt must be a string or a non-empty list of strings")
	}
	return strings.Join(list, ""), nil
}

// raiseMax keeps the largest value seen in m.
func raiseMax(m *atomic.Int64, v int64) {
	for cur := m.Load(); v > cur && !m.CompareAndSwap(cur, v); cur = m.Load() {
	}
}

// parse reads a request body into the API request and the engine's request;
// msg, when set, is why the request is a 400.
func (s *Server) parse(body []byte, a api, streamPath bool, arrival time.Time) (req openai.Request, sreq sim.Request, d dialectRequest, msg string) {
	req, d, err := decodeDialect(body, a, streamPath)
	if err != nil {
		return req, sreq, d, err.Error()
	}
	if d.previousID != "" {
		// Server-side history: the stored conversation, then the new input.
		prev, ok := s.history.get(d.previousID)
		if !ok {
			return req, sreq, d, fmt.Sprintf("Previous response with id '%s' not found.", d.previousID)
		}
		// Instructions are not carried over: the new ones (if any) lead.
		lead := 0
		if len(req.Messages) > 0 && req.Messages[0].Role == "system" {
			lead = 1
		}
		req.Messages = slices.Concat(req.Messages[:lead], prev, req.Messages[lead:])
	}
	if a == apiChat {
		if msg := checkToolTurns(req.Messages); msg != "" {
			return req, sreq, d, msg
		}
	}
	sreq = sim.Request{Arrival: arrival, IgnoreEOS: req.IgnoreEOS}
	if err := s.prompt(&req, a.messagesPrompt(), &sreq); err != nil {
		return req, sreq, d, err.Error()
	}
	switch {
	case req.MaxCompletionTokens != nil:
		sreq.MaxTokens = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		sreq.MaxTokens = *req.MaxTokens
	}
	if req.MinTokens != nil {
		sreq.MinTokens = *req.MinTokens
	}
	if sreq.MaxTokens < 0 || sreq.MinTokens < 0 {
		return req, sreq, d, "max_tokens and min_tokens must be at least 0"
	}
	if total := sreq.PromptTokens + sreq.MaxTokens; total > s.opts.MaxModelLen || sreq.PromptTokens >= s.opts.MaxModelLen {
		return req, sreq, d, fmt.Sprintf("This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the messages, %d in the completion). Please reduce the length of the messages or completion.",
			s.opts.MaxModelLen, total, sreq.PromptTokens, sreq.MaxTokens)
	}
	return req, sreq, d, ""
}

// answerID names an answer as its API does.
func answerID(a api, n int64) string {
	switch a {
	case apiResponses:
		return fmt.Sprintf("resp_%d", n)
	case apiMessages:
		return fmt.Sprintf("msg_%d", n)
	}
	return fmt.Sprintf("cmpl-%d", n)
}
