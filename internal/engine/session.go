package engine

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
)

// session is one run of a conversation: its turns in order, each carrying
// the history with the answers the server actually gave (or the pre-canned
// ones, in the with-responses context modes).
type session struct {
	e       *Engine
	num     int
	conv    *dataset.Conversation
	corrID  string
	r       *rand.Rand // the session's seeded draws (cancellations)
	ids     *rand.Rand // its ids (Config.IDSeed)
	client  *transport.Client
	history []openai.Message
	// gap, in user-centric mode, spaces the starts of consecutive turns; the
	// dataset's think times are then not used.
	gap time.Duration
	// fixed: turns with a trace timestamp are sent at it (--fixed-schedule).
	fixed bool
	// prevID is the server's id of the last answer (Responses API chains).
	prevID string
	// start, when set, is how a session prepared ahead of its tick learns
	// its first turn's intended time, after its first request is built;
	// false means the tick never came (the phase ended first).
	start waitFn
	// started: its first turn was due (counted in the progress).
	started bool
	// A DAG's sub-agent: its depth, its parent's session id, and (forked)
	// its parent's number + 1.
	depth      int
	parentCorr string
	forkParent int
	// pending are the last answer's tool calls, which the next turn
	// answers; toolTokens are the tokens of the results this turn sent.
	pending    []openai.ToolCall
	toolTokens int
	// An agentic replay's trajectory: lane is the conversation's index in
	// the phase's list (−1: none), offset the turn its turns start at, and
	// startDelay the wait before its first turn (TurnDelay: that turn's
	// own think time).
	lane, offset int
	startDelay   time.Duration
	// busy: the idle cap counts this session as about to send or sending.
	busy bool
}

func (e *Engine) newSession(num int, conv *dataset.Conversation) *session {
	global := uint64(num + e.cfg.SessionOffset)
	r := dataset.NewRand(e.cfg.Seed^global*0x2545F4914F6CDD1D, dataset.StreamSession)
	idSeed := e.cfg.IDSeed
	if idSeed == 0 {
		idSeed = e.cfg.Seed
	}
	ids := dataset.NewRand(idSeed^global*0x2545F4914F6CDD1D, dataset.StreamRequestIDs)
	s := &session{e: e, num: num + e.cfg.SessionOffset, conv: conv, corrID: dataset.UUID4(ids), r: r, ids: ids, client: e.client, lane: -1}
	if e.cfg.Reuse == ReuseSticky {
		s.client = e.client.NewSticky()
	}
	return s
}

// credit is a go-ahead from the rate dispatcher: the intended send time.
type credit struct{ intendedNs int64 }

// waitFn blocks until the dispatcher grants the next turn; ok false ends the
// session. nil means send at once (concurrency burst).
type waitFn func(ctx context.Context) (credit, bool)

// run sends the session's turns. firstIntended is when turn 0 was due
// (unless s.start says). It returns when its last turn was due and when its
// last answer ended, so a user-centric user can pace its next session.
// Turns it does not send are counted in the engine's unsent turns with the
// reason; a session whose start never came counts nothing (its caller
// does).
func (s *session) run(issue, run context.Context, wait waitFn, firstIntended int64) (lastIntended, lastEnd int64) {
	if s.client != s.e.client {
		defer s.client.CloseIdle() // the session's own connection
	}
	intended := firstIntended
	var prevEnd int64
	precanned := s.e.cfg.Precanned
	if s.conv.System != "" {
		s.history = append(s.history, openai.Message{Role: "system", Content: s.conv.System})
	}
	defer s.settle() // whatever ends the session, the idle cap hears of it
	stop := func(k int, reason string) (int64, int64) {
		s.e.countUnsent(reason, len(s.conv.Turns)-k)
		s.handBack(k)
		return intended, prevEnd
	}
	for k := range s.conv.Turns {
		turn := &s.conv.Turns[k]
		var ok bool
		if intended, ok = s.await(issue, k, turn, intended, prevEnd); !ok {
			return stop(k, stopReason(issue))
		}
		s.busy = true
		if s.e.cfg.Codec.Type.Standalone() || s.conv.Standalone {
			// vectors, scores, RAG queries, a trace's whole requests: every
			// turn stands alone, the live answer's tool calls unanswered (a
			// recorded snapshot carries its own)
			s.history, s.pending = s.history[:0], nil
		}
		s.ask(turn)
		req, buildErr := s.build(turn, k) // before the send time
		if k == 0 && s.start != nil {
			c, ok := s.start(issue)
			if !ok {
				return intended, prevEnd
			}
			intended = c.intendedNs
		}
		if k == 0 {
			s.started = true
			s.e.progress.SessionsStarted.Add(1)
			defer s.e.progress.SessionsDone.Add(1)
		}
		if wait != nil && k > 0 {
			c, ok := wait(issue)
			if !ok {
				return stop(k, stopReason(issue))
			}
			intended = c.intendedNs
		}
		if s.e.stopping(issue) {
			return stop(k, stopReason(issue))
		}
		if !s.e.claimRequest() {
			if k == 0 && s.e.cfg.MaxSessions <= 0 {
				// A session claimed beyond a request budget was never planned.
				return intended, prevEnd
			}
			return stop(k, UnsentBudget)
		}
		var rec *record.Record
		if buildErr != nil {
			rec = s.unsent(turn, k, intended, buildErr)
		} else {
			rec = s.send(run, req, turn, k, intended)
		}
		prevEnd = rec.EndNs
		s.settle()
		failed := s.took(rec, precanned)
		s.e.out <- rec
		if !s.remember(rec.Output, failed, turn, precanned) {
			return stop(k+1, UnsentTurnFailed)
		}
		if len(turn.Forks)+len(turn.Spawns) > 0 {
			prevEnd = s.branch(issue, run, turn, prevEnd)
		}
	}
	return intended, prevEnd
}

// took keeps what the next turn needs of an answer — the server's id
// (Responses chains), the tool calls it answers — and reports whether the
// turn failed.
func (s *session) took(rec *record.Record, precanned bool) (failed bool) {
	if rec.ResponseID != "" {
		s.prevID = rec.ResponseID
	}
	failed = rec.Error != nil
	if !failed && !precanned {
		s.pending = rec.ToolCalls // answered by the next turn's tool results
	}
	return failed
}

// await waits until turn k is due — after its think time, or a lane's
// first turn after its delay — and returns when that is; false when issue
// ended first. The idle cap counts the session busy from then.
func (s *session) await(issue context.Context, k int, turn *dataset.Turn, intended, prevEnd int64) (int64, bool) {
	switch {
	case k > 0:
		return s.e.due(issue, s.dueTime(turn, intended, prevEnd))
	case s.startDelay != 0:
		return s.e.due(issue, intended+int64(s.delay(turn)))
	}
	s.e.sending() // sent now (or at the dispatcher's go-ahead)
	return intended, true
}

// delay is the wait before a lane's first turn.
func (s *session) delay(first *dataset.Turn) time.Duration {
	if s.startDelay == TurnDelay {
		return first.Delay
	}
	return s.startDelay
}

// settle ends the session's busy stretch for the idle cap, once.
func (s *session) settle() {
	if s.busy {
		s.busy = false
		s.e.settled()
	}
}

// handBack keeps an agentic replay's trajectory that the phase stopped
// before turn k, for the next phase to resume.
func (s *session) handBack(k int) {
	if l := s.e.cfg.Lanes; l != nil && s.lane >= 0 && k < len(s.conv.Turns) {
		l.hand(Lane{Conv: s.lane, Next: s.offset + k, End: s.offset + len(s.conv.Turns), Delay: TurnDelay})
	}
}

// ask puts a turn's question into the history: its user message, or a
// DAG turn's own messages as written.
func (s *session) ask(turn *dataset.Turn) {
	s.answerTools(turn)
	if turn.Messages == nil {
		s.history = append(s.history, openai.Message{Role: "user", Content: turn.Text, Images: images(turn), Audios: audios(turn), Videos: videos(turn)})
		return
	}
	for _, m := range turn.Messages {
		msg := openai.Message{Role: m.Role, Content: m.Content, ToolCallID: m.ToolCallID}
		for _, c := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, openai.ToolCall{ID: c.ID, Type: "function", Function: openai.FunctionCall{Name: c.Name, Arguments: c.Arguments}})
		}
		s.history = append(s.history, msg)
	}
}

// answerTools sends back what the previous answer's tool calls returned,
// in order, each with the live call's id: the turn's recorded results,
// or a stand-in for a call the recording did not foresee (a server
// rejects a history whose call goes unanswered). Results beyond the
// calls made are dropped: nothing asked for them.
func (s *session) answerTools(turn *dataset.Turn) {
	s.toolTokens = 0
	for i, call := range s.pending {
		res := dataset.ToolResult{Text: standInToolResult, Tokens: 1}
		if i < len(turn.ToolResults) {
			res = turn.ToolResults[i]
		}
		s.history = append(s.history, openai.Message{Role: "tool", ToolCallID: call.ID, Content: res.Text})
		s.toolTokens += res.Tokens
	}
	s.pending = nil
}

// standInToolResult answers a tool call no recorded result covers.
const standInToolResult = "ok"

// dueTime is when turn k > 0 is due, given when the previous turn was due
// and when its answer ended.
func (s *session) dueTime(turn *dataset.Turn, intended, prevEnd int64) int64 {
	switch {
	case s.fixed && turn.HasTimestamp:
		// Trace replay: the recorded time, but never before the previous
		// answer is complete.
		return max(s.e.fixedTime(turn.Timestamp), prevEnd)
	case s.gap > 0:
		// User-centric: the next turn starts a gap after the previous one
		// did, or as soon as its answer is complete if later.
		return max(intended+int64(s.gap), prevEnd)
	}
	// Think time runs from the previous answer's completion.
	return prevEnd + int64(turn.Delay)
}

// remember puts a turn's answer into the history the next turn sends;
// false ends the session (a failed turn with --session-on-error stop).
func (s *session) remember(output string, failed bool, turn *dataset.Turn, precanned bool) bool {
	switch {
	case precanned:
		// The live answer is measured, then replaced by the pre-canned one,
		// so every run sends the same prompts.
		s.history = append(s.history, openai.Message{Role: "assistant", Content: turn.Answer})
	case failed && s.e.cfg.StopOnError:
		return false
	case failed:
		// No answer to continue with: the next question follows this one,
		// as in AIPerf, which sends the next turn regardless.
	default:
		s.history = append(s.history, openai.Message{Role: "assistant", Content: output, ToolCalls: s.pending})
	}
	return true
}

func (s *session) build(turn *dataset.Turn, k int) (*transport.Request, error) {
	e := s.e
	var extra []endpoint.Field
	for _, kv := range turn.Extra {
		extra = append(extra, endpoint.Field{Key: kv.Key, Value: kv.Value})
	}
	body := turn.Raw // a raw payload goes as it is
	var err error
	if body == nil {
		body, err = e.cfg.Codec.Build(nil, &endpoint.Input{Model: turn.Model, History: s.history, Batch: turn.Batch,
			MaxTokens: turn.MaxTokens, Extra: extra, PreviousID: s.prevID, TurnIndex: k})
	}
	ids := make([]transport.HeaderField, 0, 3+len(e.cfg.ExtraSessionHeaders))
	ids = transport.SetField(ids, "X-Request-ID", dataset.UUID4(s.ids))
	if e.traced {
		ids = transport.SetField(ids, "traceparent", dataset.TraceParent(s.ids))
	}
	ids = transport.SetField(ids, e.cfg.SessionHeader, s.corrID)
	for _, name := range e.cfg.ExtraSessionHeaders {
		ids = transport.SetField(ids, name, s.corrID)
	}
	url := e.cfg.URLs[int(e.urlNext.Add(1)-1)%len(e.cfg.URLs)]
	if e.cfg.Sign != nil && err == nil {
		var signed []transport.HeaderField
		signed, err = e.cfg.Sign(url, ids, body)
		ids = append(ids, signed...)
	}
	req := &transport.Request{URL: url, Body: body, Header: e.cfg.Header, Extra: ids, Stream: e.cfg.Codec.Stream, Close: e.cfg.Reuse == ReuseNever}
	if e.cfg.CancelRate > 0 && s.r.Float64()*100 < e.cfg.CancelRate {
		req.Cancel, req.CancelAfter = true, e.cfg.CancelDelay
	}
	return req, err
}

// unsent is the record of a turn whose body could not be built (a payload
// template that failed on it): an error, never sent.
func (s *session) unsent(turn *dataset.Turn, k int, intended int64, err error) *record.Record {
	now := s.e.clock.Now()
	s.e.progress.ended(true)
	rec := s.record(turn, k, intended)
	rec.StartNs, rec.EndNs = now, now
	rec.Error = &record.Error{Type: "PayloadTemplateError", Message: err.Error()}
	return rec
}

// record is what every record of turn k says of the turn itself.
func (s *session) record(turn *dataset.Turn, k int, intended int64) *record.Record {
	rec := &record.Record{Phase: s.e.cfg.Phase, Stage: s.e.cfg.Stage, SessionNum: s.num, ConversationID: s.conv.ID, TurnIndex: s.offset + k,
		CorrelationID: s.corrID, IntendedNs: intended, MaxTokens: turn.MaxTokens,
		UserTokens: userTokens(s.e.cfg.Codec.Type, turn), BatchTokens: turn.BatchTokens, LastTurn: k == len(s.conv.Turns)-1,
		NoHistory:  s.e.cfg.Codec.Type.Standalone() || s.conv.Standalone,
		AgentDepth: s.depth, ParentCorrelationID: s.parentCorr, Forks: len(turn.Forks), SourceKind: turn.SourceKind}
	rec.UserTokens += s.toolTokens
	if g := turn.Gold; g != nil {
		rec.Gold = &record.Gold{Task: g.Task, Answer: g.Answer, Grader: g.Grader}
	}
	if k == 0 {
		rec.ForkParent = s.forkParent
	}
	return rec
}

func (s *session) send(run context.Context, req *transport.Request, turn *dataset.Turn, k int, intended int64) *record.Record {
	e := s.e
	ctx := run
	release := func() {}
	if e.prefill.limited() {
		// --prefill-concurrency: wait for a slot among requests that have
		// not yet received their first bytes; the wait counts against the
		// timeout. A request whose context ends while it waits is sent
		// with that dead context, so it still gets its record.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(run, e.cfg.Timeout)
		defer cancel()
		if e.prefill.acquire(ctx) {
			var once sync.Once
			release = func() { once.Do(e.prefill.release) }
			req.OnFirstByte = release
		}
	} else {
		req.Timeout = e.cfg.Timeout // the transport times it without a context of its own
	}
	sc := e.parser(req)
	e.progress.RequestsSent.Add(1)
	e.progress.InFlight.Add(1)
	var res transport.Result
	s.client.Do(ctx, req, &res)
	release()
	e.progress.InFlight.Add(-1)

	rec := s.record(turn, k, intended)
	rec.RequestID, rec.URL = req.Get("X-Request-Id"), req.URL
	rec.SetTraceParent(req.Get("Traceparent"))
	rec.StartNs, rec.AckNs, rec.EndNs, rec.Events = res.StartNs, res.AckNs, res.EndNs, res.EventCount()
	rec.WasCancelled, rec.CancellationNs = res.Cancelled, res.CancelledNs
	rec.HTTP, rec.BytesSent, rec.BytesReceived, rec.Retried = res.Phases, res.BytesSent, res.BodyLen(), res.Retried
	if e.cfg.Precanned {
		rec.Precanned, rec.PrecannedTokens = true, turn.AnswerTokens
	}
	if k == 0 && s.conv.System != "" && !e.cfg.Codec.Type.Standalone() {
		rec.UserTokens += s.conv.SystemTokens
		rec.System, rec.SystemTokens = s.conv.System, s.conv.SystemTokens
	}
	if k == 0 {
		rec.Prefix, rec.PrefixTokens = turn.Prefix, turn.PrefixTokens
	}
	if e.cfg.ChatMessages && e.cfg.Codec.Type == endpoint.Chat {
		rec.Messages = slices.Clone(s.history)
	}
	countMedia(rec, s.history)
	if e.cfg.Codec.Type.PromptJoined() {
		rec.PromptText = endpoint.CompletionPrompt(s.history)
	}
	if res.Err != nil {
		rec.Error = res.Err
		if !res.Cancelled && run.Err() != nil {
			// The run stopped under it (grace period over, second Ctrl-C):
			// still a record, an error, and counted as cut.
			rec.Cut, rec.WasCancelled, rec.CancellationNs = true, true, res.EndNs
			rec.Error = &record.Error{Code: 499, Type: "RequestCancelledError", Message: "request cut when the run stopped"}
		}
	}
	e.keep(rec, req, &res)
	e.parsed(sc, &res, rec)
	s.client.Release(&res) // the record holds copies of all it needs
	if e.cfg.Codec.Type.Job() {
		e.progress.InFlight.Add(1)
		s.awaitJob(ctx, req, rec)
		e.progress.InFlight.Add(-1)
	}
	e.progress.ended(rec.Error != nil)
	return rec
}

// parser is the parse scratch of one response, made req's sink when its
// events can be parsed as they arrive (exports that keep every event need
// the body whole).
func (e *Engine) parser(req *transport.Request) *parseScratch {
	sc, _ := e.scratch.Get().(*parseScratch)
	if sc == nil {
		sc = &parseScratch{}
	}
	if e.cfg.Codec.Stream && !e.cfg.KeepRaw && !e.cfg.KeepChunks {
		sc.begin(e.cfg.Codec, true)
		req.Sink = sc
	}
	return sc
}

// parsed gives rec what the response said: the events the sink has not
// had (all of them without one, or a body that was not a stream after
// all), then the whole answer; the scratch goes back to the pool.
func (e *Engine) parsed(sc *parseScratch, res *transport.Result, rec *record.Record) {
	if res.Streamed == 0 {
		sc.begin(e.cfg.Codec, res.SSE)
	}
	sc.Events(res.Buf, res.Events)
	sc.end(res, rec)
	e.scratch.Put(sc)
}

// keep copies into the record what --export-http-trace (each event's time
// and size) and --export-level raw (the body, every event) keep.
func (e *Engine) keep(rec *record.Record, req *transport.Request, res *transport.Result) {
	if e.cfg.KeepChunks {
		rec.Chunks = make([][2]int64, len(res.Events))
		for i, ev := range res.Events {
			rec.Chunks[i] = [2]int64{ev.Ns, int64(ev.Len)}
		}
	}
	if e.cfg.KeepRaw {
		rec.Raw = &record.Raw{Body: req.Body}
		for i := range res.Events {
			rec.Raw.Events = append(rec.Raw.Events, record.RawEvent{Ns: res.Events[i].Ns, Data: string(res.EventData(i))})
		}
	}
}

// images are a turn's images as the request's image_url parts.
func images(turn *dataset.Turn) []openai.Image {
	if len(turn.Images) == 0 {
		return nil
	}
	out := make([]openai.Image, len(turn.Images))
	for i, im := range turn.Images {
		out[i] = openai.Image{URL: im.URL, Width: im.Width, Height: im.Height, Bytes: im.Bytes, UUID: im.UUID}
	}
	return out
}

// audios are a turn's clips as the request's input_audio parts.
func audios(turn *dataset.Turn) []openai.Audio {
	if len(turn.Audios) == 0 {
		return nil
	}
	out := make([]openai.Audio, len(turn.Audios))
	for i, a := range turn.Audios {
		out[i] = openai.Audio{Data: a.Data, Format: a.Format, Seconds: a.Seconds, Bytes: a.Bytes}
	}
	return out
}

// videos are a turn's videos as the request's video_url parts.
func videos(turn *dataset.Turn) []openai.Video {
	if len(turn.Videos) == 0 {
		return nil
	}
	out := make([]openai.Video, len(turn.Videos))
	for i, v := range turn.Videos {
		out[i] = openai.Video{URL: v.URL, Width: v.Width, Height: v.Height, Frames: v.Frames, Seconds: v.Seconds, Bytes: v.Bytes}
	}
	return out
}

// countMedia records every image, clip and video the request carries,
// the history's too.
func countMedia(rec *record.Record, history []openai.Message) {
	for _, m := range history {
		for _, im := range m.Images {
			rec.Images, rec.ImageBytes, rec.ImagePixels = rec.Images+1, rec.ImageBytes+im.Bytes, rec.ImagePixels+im.Width*im.Height
		}
		for _, a := range m.Audios {
			rec.Audios, rec.AudioBytes, rec.AudioSeconds = rec.Audios+1, rec.AudioBytes+a.Bytes, rec.AudioSeconds+a.Seconds
		}
		for _, v := range m.Videos {
			rec.Videos, rec.VideoBytes, rec.VideoFrames = rec.Videos+1, rec.VideoBytes+v.Bytes, rec.VideoFrames+v.Frames
			rec.VideoSeconds += v.Seconds
		}
	}
}

// userTokens are the turn's text tokens that the request carries: none
// where only its audio goes (audio transcription).
func userTokens(t endpoint.Type, turn *dataset.Turn) int {
	if !t.SendsText() {
		return 0
	}
	return turn.Tokens
}
