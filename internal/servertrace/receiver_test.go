package servertrace

import (
	"bytes"
	"compress/gzip"
	"context"
	"math"
	"net"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

func listen(t *testing.T) *Receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := NewReceiver(ln)
	t.Cleanup(func() { r.Close() })
	return r
}

// emit sends one vLLM-like span per trace id through the SDK's exporter.
func emit(t *testing.T, exp sdktrace.SpanExporter, ids []trace.TraceID) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tr := tp.Tracer("vllm.llm_engine")
	for _, id := range ids {
		parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: id, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, Remote: true})
		ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
		_, sp := tr.Start(ctx, "llm_request", trace.WithAttributes(attribute.Float64(attrTTFT, 0.012), attribute.Float64(attrQueue, 0.002),
			attribute.Float64(attrPrefill, 0.009), attribute.Int(attrE2E, 1)))
		sp.End()
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func ids(n int) []trace.TraceID {
	out := make([]trace.TraceID, n)
	for i := range out {
		out[i][0], out[i][15] = 0xab, byte(i+1)
	}
	return out
}

// Spans come in over OTLP/gRPC and OTLP/HTTP on the one port, and are
// found by the trace id's hex.
func TestReceiverBothProtocols(t *testing.T) {
	r := listen(t)
	addr := r.Addr().String()
	ctx := context.Background()
	g, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(addr), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	h, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(addr), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	all := ids(6)
	emit(t, g, all[:3])
	emit(t, h, all[3:])
	hexIDs := make([]string, len(all))
	for i, id := range all {
		hexIDs[i] = id.String()
	}
	if missing := r.WaitFor(ctx, hexIDs, time.Minute); missing != 0 {
		t.Fatalf("%d spans missing", missing)
	}
	s, ok := r.Lookup(all[4].String())
	if !ok || s.Name != "llm_request" || s.TTFT != 0.012 || s.Queue != 0.002 || s.Prefill != 0.009 || s.E2E != 1 || !math.IsNaN(s.Decode) {
		t.Fatalf("span = %+v, %v", s, ok)
	}
	if r.Spans.Load() != 6 || r.Kept.Load() != 6 {
		t.Fatalf("spans %d, kept %d", r.Spans.Load(), r.Kept.Load())
	}
	if _, ok := r.Lookup("not hex"); ok {
		t.Fatal("a bad id was found")
	}
}

// A span without a TTFT is counted and dropped; a trace's first span with
// one stands; gzip bodies are read; JSON and junk are refused by name.
func TestReceiverHTTPBodies(t *testing.T) {
	r := listen(t)
	url := "http://" + r.Addr().String() + "/v1/traces"
	id := bytes.Repeat([]byte{7}, 16)
	span := func(name string, ttft float64) *tracepb.Span {
		sp := &tracepb.Span{TraceId: id, SpanId: []byte{1, 2, 3, 4, 5, 6, 7, 8}, Name: name}
		if ttft > 0 {
			sp.Attributes = []*common.KeyValue{{Key: attrTTFT, Value: &common.AnyValue{Value: &common.AnyValue_DoubleValue{DoubleValue: ttft}}},
				{Key: attrQueue, Value: &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: "x"}}}}
		}
		return sp
	}
	msg := &coltrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{
		Spans: []*tracepb.Span{span("http", 0), span("first", 0.5), span("second", 0.7)}}}}}}
	b, _ := proto.Marshal(msg)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	req, _ := http.NewRequest("POST", url, &z)
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("gzip export: %v %v", resp, err)
	}
	resp.Body.Close()
	s, ok := r.Lookup("07070707070707070707070707070707")
	if !ok || s.Name != "first" || s.TTFT != 0.5 || !math.IsNaN(s.Queue) || r.Spans.Load() != 3 || r.Kept.Load() != 1 {
		t.Fatalf("span %+v %v, spans %d kept %d", s, ok, r.Spans.Load(), r.Kept.Load())
	}
	for ct, want := range map[string]int{"application/json": 415, "application/x-protobuf": 400} {
		resp, err := http.Post(url, ct, bytes.NewReader([]byte("{not protobuf")))
		if err != nil || resp.StatusCode != want {
			t.Fatalf("%s: %v %v, want %d", ct, resp, err, want)
		}
		resp.Body.Close()
	}
}

// WaitFor gives up after a quiet period, or when its context ends, and
// says how many are missing.
func TestWaitForGivesUp(t *testing.T) {
	r := listen(t)
	if n := r.WaitFor(context.Background(), []string{ids(1)[0].String()}, 10*time.Millisecond); n != 1 {
		t.Fatalf("missing %d", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n := r.WaitFor(ctx, []string{ids(1)[0].String(), ids(2)[1].String()}, time.Hour); n != 2 {
		t.Fatalf("missing %d", n)
	}
	if n := r.WaitFor(context.Background(), nil, time.Hour); n != 0 {
		t.Fatalf("missing %d of none", n)
	}
}
