package engine

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
)

// eventKinds are the events a stream is built of in FuzzParseShortcuts:
// the usual chunk with different framing (spaces, CRLF, a comment line,
// two data lines), reasoning, an id, usage, a different shape, [DONE],
// and an event that is not JSON.
var eventKinds = []string{
	`data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}` + "\n\n",
	`data:{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}` + "\r\n\r\n",
	`data:   {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}  ` + "\n\n",
	`data: {"choices":[{"delta":{"reasoning_content":%s}}]}` + "\n\n",
	`data: {"choices":[{"delta":{"content":%s}}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}` + "\n\n",
	": keep-alive\ndata: {\"choices\":[{\"delta\":{\"content\":%s}}]}\n\n",
	"data: {\"choices\":[{\"delta\":\ndata: {\"content\":%s}}]}\n\n",
	`data: {"choices":[{"delta":{"content":%s}, "finish_reason":null}]}` + "\n\n",
	"data: [DONE]\n\n",
	"data: {\"choices\":[{\"delta\":{\"content\":%s}}]\n\n", // not JSON
}

var eventTexts = []string{`" hi"`, `""`, `"a\"b"`, `"\u00e9t\u00e9"`, `" x\ny"`, `"\u00a0"`, `"é"`, `null`, `"` + "\x01" + `"`, `" tail"`}

// FuzzParseShortcuts: a stream read by parse, whose later chunks skip the
// SSE and JSON parsing when only their text differs (EventTo), gives the
// text, the responses (their stamps and texts) and the usage that each
// event read on its own gives.
func FuzzParseShortcuts(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 2, 1, 0})
	f.Add([]byte{3, 0, 3, 1, 0, 0, 0, 2, 7, 0, 0, 3, 4, 1, 8, 0, 0, 0})
	f.Add([]byte{6, 0, 0, 0, 0, 5, 2, 2, 5, 6, 0, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		res := &transport.Result{SSE: true}
		for i := 0; i+1 < len(b) && i < 400; i += 2 {
			kind, text := eventKinds[int(b[i])%len(eventKinds)], eventTexts[int(b[i+1])%len(eventTexts)]
			ev := strings.Replace(kind, "%s", text, 1)
			res.Events = append(res.Events, transport.Event{Ns: int64(100 + i), Off: int32(len(res.Buf)), Len: int32(len(ev))})
			res.Buf = append(res.Buf, ev...)
		}
		codec := &endpoint.Codec{Type: endpoint.Chat}
		var sc parseScratch
		var got record.Record
		sc.parse(codec, res, &got)
		want := parseEachAlone(codec, res)
		if got.Output != want.Output || got.ReasoningText != want.ReasoningText || len(got.Responses) != len(want.Responses) ||
			(got.Error == nil) != (want.Error == nil) || (got.Usage == nil) != (want.Usage == nil) {
			t.Fatalf("parse: %q %q %d responses, error %v\nalone: %q %q %d responses, error %v",
				got.Output, got.ReasoningText, len(got.Responses), got.Error, want.Output, want.ReasoningText, len(want.Responses), want.Error)
		}
		for i := range got.Responses {
			if got.Responses[i] != want.Responses[i] {
				t.Fatalf("response %d: %+v, alone %+v", i, got.Responses[i], want.Responses[i])
			}
		}
		if streamed := parseInBatches(codec, res, b); !sameParse(&streamed, &got) {
			t.Fatalf("in batches: %q %q %+v %v %v\nwhole: %q %q %+v %v %v", streamed.Output, streamed.ReasoningText, streamed.Responses, streamed.Error, streamed.Usage,
				got.Output, got.ReasoningText, got.Responses, got.Error, got.Usage)
		}
	})
}

// parseInBatches reads res's events as a transport.EventSink gets them:
// in batches (sizes from b), each in a buffer of its own that is
// overwritten once read, so nothing read can be kept.
func parseInBatches(codec *endpoint.Codec, res *transport.Result, b []byte) record.Record {
	var sc parseScratch
	sc.begin(codec, true)
	for i, k := 0, 0; i < len(res.Events); k++ {
		n := 1
		if k < len(b) {
			n += int(b[k]) % 5
		}
		n = min(n, len(res.Events)-i)
		var buf []byte
		var evs []transport.Event
		for _, ev := range res.Events[i : i+n] {
			evs = append(evs, transport.Event{Ns: ev.Ns, Off: int32(len(buf)), Len: ev.Len})
			buf = append(buf, res.Buf[ev.Off:ev.Off+ev.Len]...)
		}
		sc.Events(buf, evs)
		for j := range buf {
			buf[j] = 0xff
		}
		i += n
	}
	var rec record.Record
	sc.end(&transport.Result{SSE: true, Streamed: len(res.Events)}, &rec)
	return rec
}

// sameParse: two records say the same of a response.
func sameParse(a, b *record.Record) bool {
	same := a.Output == b.Output && a.ReasoningText == b.ReasoningText && slices.Equal(a.Responses, b.Responses) &&
		(a.Error == nil) == (b.Error == nil) && (a.Usage == nil) == (b.Usage == nil)
	if same && a.Error != nil {
		same = *a.Error == *b.Error
	}
	if same && a.Usage != nil {
		same = reflect.DeepEqual(*a.Usage, *b.Usage)
	}
	return same
}

// parseEachAlone reads every event with a decoder of its own, so no
// shortcut learned from one event reads another.
func parseEachAlone(codec *endpoint.Codec, res *transport.Result) record.Record {
	var rec record.Record
	for i := range res.Events {
		data, ok := transport.EventData(res.EventData(i))
		if !ok {
			continue
		}
		if endpoint.IsDone(data) {
			break
		}
		p, ok, err := codec.NewDecoder().Decode(data)
		if err != nil {
			rec.Error = &record.Error{Type: "InvalidResponseError"}
			continue
		}
		if !ok {
			continue
		}
		if p.Usage != nil {
			rec.Usage = p.Usage
		}
		if p.Content != "" || p.Reasoning != "" {
			rec.Output += p.Content
			rec.ReasoningText += p.Reasoning
			rec.Responses = append(rec.Responses, record.Response{Ns: res.Events[i].Ns, Content: int32(len(p.Content)), Reasoning: int32(len(p.Reasoning))})
		}
	}
	if rec.Error == nil && len(rec.Responses) == 0 {
		rec.Error = &record.Error{Type: "EmptyResponseError"}
	}
	return rec
}
