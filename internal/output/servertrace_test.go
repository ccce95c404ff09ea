package output

import (
	"context"
	"encoding/hex"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/servertrace"
)

// The split joins each successful request to its server span by trace id,
// once every answer is in, and writes what it found.
func TestTracesOutput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	recv := servertrace.NewReceiver(ln)
	defer recv.Close()
	ids := []trace.TraceID{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpoint(ln.Addr().String()), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	for _, id := range ids[:2] { // the third request's span never comes
		ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: id, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, Remote: true}))
		_, sp := tp.Tracer("vllm").Start(ctx, "llm_request", trace.WithAttributes(attribute.Float64("gen_ai.latency.time_to_first_token", 0.010),
			attribute.Float64("gen_ai.latency.time_in_queue", 0.002), attribute.Float64("gen_ai.latency.time_in_model_prefill", 0.007)))
		sp.End()
	}
	tp.Shutdown(context.Background())
	sink := &traceSink{}
	for i, id := range ids {
		r := &record.Record{Phase: record.PhaseProfiling, RequestID: string(rune('a' + i)), TraceID: hex.EncodeToString(id[:]), StartNs: 1000,
			Responses: []record.Response{{Ns: 1000 + 15e6, Content: 1}}, EndNs: 1000 + 20e6, HTTP: record.Phases{Wrote: 1000 + 4e4}}
		v := metrics.Compute(r, true)
		sink.Put(r, &v)
	}
	failed := &record.Record{Phase: record.PhaseProfiling, TraceID: "ff", Error: &record.Error{Type: "x"}}
	v := metrics.Compute(failed, true)
	sink.Put(failed, &v)
	dir := t.TempDir()
	var said []string
	o := &tracesOutput{sink: sink, recv: recv, quiet: 50 * time.Millisecond, files: export.Files{Dir: dir}, info: func(s string) { said = append(said, s) }}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	o.Stop()
	if len(said) != 1 || said[0] != "Server traces: no span came for 1 of 3 requests" {
		t.Fatalf("%q", said)
	}
	var run export.Run
	o.Contribute(nil, &run)
	sum := run.Extra["ttft_split"].(*servertrace.Summary)
	if sum.Requests != 3 || sum.Joined != 2 || sum.Parts["queue"].Avg != 2 || len(run.Sections) != 1 || len(run.CSVSections) == 0 {
		t.Fatalf("%+v", sum)
	}
	if err := o.Write(); err != nil {
		t.Fatal(err)
	}
	rd, err := export.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := rd.TTFTSplit()
	if err != nil || len(lines) != 2 || lines[0].TTFT != 15e6 || lines[0].ClientSend != 4e4 || lines[0].Network != 15e6-4e4-10e6 || lines[0].Queue != 2e6 {
		t.Fatalf("%+v %v", lines, err)
	}
}
