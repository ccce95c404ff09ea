package twin

import (
	"fmt"

	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/record"
)

// EachRecord turns simulated requests into the records a run of the phases
// would have made, for the run's own pipeline, one at a time (a long
// prediction's records are made as the pipeline takes them, never all held
// at once): times from base (run-clock nanoseconds), every token a response
// when streaming (else one body at the end), the usage a server sends, and
// the output counted already (there is no text). phases name each phase's
// records.
func EachRecord(reqs []*Request, loads []*Workload, phases []string, base int64, url string, streaming bool, put func(*record.Record)) {
	for i, r := range reqs {
		conv := &loads[r.Phase].Sessions[r.Conv]
		turn := conv.Turns[r.Turn]
		rec := &record.Record{Phase: phases[r.Phase], SessionNum: r.Session, ConversationID: conv.ID, TurnIndex: r.Turn,
			CorrelationID: fmt.Sprintf("twin-session-%d", r.Session), RequestID: fmt.Sprintf("twin-request-%d", i), URL: url,
			IntendedNs: base + int64(r.Intended), StartNs: base + int64(r.Sent), EndNs: base + int64(r.End()),
			UserTokens: turn.User, LastTurn: r.Turn == len(conv.Turns)-1, NoHistory: conv.Standalone, MaxTokens: turn.Output}
		if r.Turn == 0 && conv.SystemTokens > 0 && !conv.Standalone {
			rec.UserTokens += conv.SystemTokens
			rec.System, rec.SystemTokens = conv.SystemKey, conv.SystemTokens
		}
		if r.Refused {
			rec.Error = &record.Error{Code: 400, Type: "Bad Request", Message: "the prompt does not fit the twin's KV cache"}
			put(rec)
			continue
		}
		rec.AckNs = rec.StartNs
		rec.HasOutput, rec.Counted, rec.OutputTokens = true, true, r.Output
		rec.Usage = &openai.Usage{PromptTokens: r.Input, CompletionTokens: r.Output, TotalTokens: r.Input + r.Output,
			PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: r.Cached}}
		if streaming {
			rec.Responses = make([]record.Response, len(r.Tokens))
			for k, t := range r.Tokens {
				rec.Responses[k].Ns = base + int64(t)
			}
		} else {
			rec.Responses = []record.Response{{Ns: rec.EndNs}}
		}
		rec.Events = len(rec.Responses)
		put(rec)
	}
}
