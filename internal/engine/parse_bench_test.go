package engine

import (
	"testing"

	"github.com/sonde-bench/sonde/internal/endpoint"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/transport"
)

// streamResult is a read stream of n chat chunks of one token each, as the
// transport leaves it: the body and its framed events.
func streamResult(n int) *transport.Result {
	const ev = `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" hi"},"finish_reason":null}]}` + "\n\n"
	res := &transport.Result{SSE: true}
	for i := range n {
		res.Events = append(res.Events, transport.Event{Ns: int64(1000 + i), Off: int32(len(res.Buf)), Len: int32(len(ev))})
		res.Buf = append(res.Buf, ev...)
	}
	done := "data: [DONE]\n\n"
	res.Events = append(res.Events, transport.Event{Ns: int64(1000 + n), Off: int32(len(res.Buf)), Len: int32(len(done))})
	res.Buf = append(res.Buf, done...)
	return res
}

// BenchmarkParseStream: decoding a 5,000-token answer after its stream
// ended, per chunk (#31: the request goroutine's work besides reading).
func BenchmarkParseStream(b *testing.B) {
	res := streamResult(5000)
	codec := &endpoint.Codec{Type: endpoint.Chat}
	var sc parseScratch
	b.ReportAllocs()
	for b.Loop() {
		var rec record.Record
		sc.parse(codec, res, &rec)
		if len(rec.Responses) != 5000 {
			b.Fatal(len(rec.Responses))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*5000), "ns/chunk")
}
