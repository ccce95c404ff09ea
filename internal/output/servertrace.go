package output

import (
	"context"
	"fmt"
	"time"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/servertrace"
)

// traceSink keeps what the TTFT split needs of each successful profiling
// request: a sink of the processor goroutine, never on a request's path.
type traceSink struct{ reqs []tracedRequest }

type tracedRequest struct {
	requestID, traceID string
	ttft, send         int64
}

func (s *traceSink) Start() error { return nil }
func (s *traceSink) Close() error { return nil }

func (s *traceSink) Put(r *record.Record, v *metrics.Values) {
	ttft, ok := v.Get(metrics.TTFT)
	if r.Error != nil || r.TraceID == "" || !ok {
		return
	}
	var send int64
	if r.HTTP.Wrote > r.StartNs {
		send = r.HTTP.Wrote - r.StartNs
	}
	s.reqs = append(s.reqs, tracedRequest{requestID: r.RequestID, traceID: r.TraceID, ttft: int64(ttft), send: send})
}

// tracesOutput joins the server's spans (--collect-server-traces) to the
// phase's requests once every answer is in: it waits for the late spans,
// then puts the split into the summary, the console and its file.
type tracesOutput struct {
	sink   *traceSink
	recv   *servertrace.Receiver
	quiet  time.Duration // the wait for late spans
	files  export.Files
	info   func(string)
	splits []servertrace.Split
	sum    *servertrace.Summary
}

func (o *tracesOutput) Start(context.Context) error { return nil }

// Stop waits for the spans still missing, until none has come for quiet
// (and never more than 4 quiet periods or a minute in all).
func (o *tracesOutput) Stop() error {
	ids := make([]string, len(o.sink.reqs))
	for i, r := range o.sink.reqs {
		ids[i] = r.traceID
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(4*o.quiet, time.Minute))
	defer cancel()
	if missing := o.recv.WaitFor(ctx, ids, o.quiet); missing > 0 {
		o.info(fmt.Sprintf("Server traces: no span came for %d of %d requests", missing, len(ids)))
	}
	for _, r := range o.sink.reqs {
		if sp, ok := o.recv.Lookup(r.traceID); ok {
			s := servertrace.SplitTTFT(r.ttft, r.send, sp)
			s.RequestID, s.TraceID = r.requestID, r.traceID
			o.splits = append(o.splits, s)
		}
	}
	o.sum = servertrace.Summarize(o.splits, len(o.sink.reqs), o.recv.Spans.Load())
	return nil
}

// Contribute puts the split into the summary (sonde.ttft_split), the
// console and the CSV.
func (o *tracesOutput) Contribute(_ *metrics.Summary, run *export.Run) {
	if run.Extra == nil {
		run.Extra = map[string]any{}
	}
	run.Extra["ttft_split"] = o.sum
	run.Sections = append(run.Sections, o.sum.Print)
	run.CSVSections = append(append(run.CSVSections, '\n'), o.sum.CSV()...)
}

// Write writes each joined request's split.
func (o *tracesOutput) Write() error {
	lines := make([]export.SplitLine, len(o.splits))
	for i, s := range o.splits {
		lines[i] = export.SplitLine{RequestID: s.RequestID, TraceID: s.TraceID, TTFT: s.TTFT, ClientSend: s.ClientSend, Network: s.Network,
			Input: s.Input, Queue: s.Queue, Prefill: s.Prefill, ServerTTFT: s.ServerTTFT, ServerE2E: s.ServerE2E}
	}
	return export.WriteFile(o.files.TTFTSplit(), export.TTFTSplitJSONL(lines))
}
