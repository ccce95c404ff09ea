// Package servertrace receives a server's own OpenTelemetry spans — vLLM's
// per-request "llm_request" span (--otlp-traces-endpoint), or any server's
// span that carries vLLM's gen_ai.latency.* attributes — and joins them to
// sonde's requests by the W3C trace id each request carried, to split each
// request's TTFT into the client's send, the network, the server's queue,
// its prefill and the rest of its work up to the first token.
package servertrace

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// Span is what sonde keeps of a server's span of one request: its name,
// times on the server's clock, and vLLM's latency attributes in seconds
// (NaN when the span has none).
type Span struct {
	Name                              string
	StartUnixNs, EndUnixNs            int64
	TTFT, Queue, Prefill, Decode, E2E float64
}

// vLLM's attribute names (vllm/tracing: SpanAttributes), in seconds.
const (
	attrTTFT    = "gen_ai.latency.time_to_first_token"
	attrQueue   = "gen_ai.latency.time_in_queue"
	attrPrefill = "gen_ai.latency.time_in_model_prefill"
	attrDecode  = "gen_ai.latency.time_in_model_decode"
	attrE2E     = "gen_ai.latency.e2e"
)

// maxBody bounds one OTLP/HTTP export: a server's batch of spans is a few
// hundred kilobytes.
const maxBody = 64 << 20

// Receiver is an OTLP trace receiver, OTLP/gRPC and OTLP/HTTP (protobuf) on
// one port, as a Collector's: it keeps, by trace id, the spans that carry a
// time to first token. It runs beside the requests on its own goroutines.
type Receiver struct {
	ln   net.Listener
	srv  *http.Server
	gs   *grpc.Server
	mu   sync.Mutex
	byID map[[16]byte]Span
	got  chan struct{} // poked after each export
	// Spans counts every span received; Kept those with a TTFT.
	Spans, Kept atomic.Int64
}

// NewReceiver serves on ln until Close.
func NewReceiver(ln net.Listener) *Receiver {
	r := &Receiver{ln: ln, byID: map[[16]byte]Span{}, got: make(chan struct{}, 1), gs: grpc.NewServer()}
	coltrace.RegisterTraceServiceServer(r.gs, traceService{r: r})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", r.serveHTTP)
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true) // OTLP/gRPC without TLS, as servers send it to a local collector
	r.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Protocols: &protocols,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.ProtoMajor == 2 && strings.HasPrefix(req.Header.Get("Content-Type"), "application/grpc") {
				r.gs.ServeHTTP(w, req)
				return
			}
			mux.ServeHTTP(w, req)
		})}
	go r.srv.Serve(ln)
	return r
}

// Addr is where the receiver listens.
func (r *Receiver) Addr() net.Addr { return r.ln.Addr() }

// Close stops the receiver.
func (r *Receiver) Close() error {
	r.gs.Stop()
	return r.srv.Close()
}

// Lookup is the span of the request whose trace id is hex traceID.
func (r *Receiver) Lookup(traceID string) (Span, bool) {
	var id [16]byte
	if n, err := hex.Decode(id[:], []byte(traceID)); err != nil || n != 16 {
		return Span{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.byID[id]
	return s, ok
}

// WaitFor waits until every trace id in ids has its span, ctx ends, or
// quiet passes with no export: a server exports its spans in batches
// after its requests end (vLLM's batch processor waits up to 5 s), so the
// last ones come after the last answer. It returns how many are missing.
func (r *Receiver) WaitFor(ctx context.Context, ids []string, quiet time.Duration) int {
	t := time.NewTimer(quiet)
	defer t.Stop()
	for {
		missing := 0
		for _, id := range ids {
			if _, ok := r.Lookup(id); !ok {
				missing++
			}
		}
		if missing == 0 {
			return 0
		}
		select {
		case <-r.got:
			t.Reset(quiet)
		case <-t.C:
			return missing
		case <-ctx.Done():
			return missing
		}
	}
}

func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	if ct := req.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-protobuf") {
		http.Error(w, fmt.Sprintf("sonde's receiver takes OTLP/HTTP as protobuf (application/x-protobuf), not %q", ct), http.StatusUnsupportedMediaType)
		return
	}
	var body io.Reader = http.MaxBytesReader(w, req.Body, maxBody)
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(io.LimitReader(body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var msg coltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &msg); err != nil {
		http.Error(w, "not an OTLP ExportTraceServiceRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.take(&msg)
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

type traceService struct {
	coltrace.UnimplementedTraceServiceServer
	r *Receiver
}

func (t traceService) Export(_ context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	t.r.take(req)
	return &coltrace.ExportTraceServiceResponse{}, nil
}

// take keeps the spans with a time to first token; a trace's first such
// span stands (a server that emits one per request sends one).
func (r *Receiver) take(req *coltrace.ExportTraceServiceRequest) {
	r.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				r.Spans.Add(1)
				s := Span{Name: sp.Name, StartUnixNs: int64(sp.StartTimeUnixNano), EndUnixNs: int64(sp.EndTimeUnixNano),
					TTFT: math.NaN(), Queue: math.NaN(), Prefill: math.NaN(), Decode: math.NaN(), E2E: math.NaN()}
				for _, kv := range sp.Attributes {
					if p := s.field(kv.Key); p != nil {
						*p = number(kv.Value)
					}
				}
				var id [16]byte
				if math.IsNaN(s.TTFT) || copy(id[:], sp.TraceId) != 16 {
					continue
				}
				if _, dup := r.byID[id]; !dup {
					r.byID[id] = s
					r.Kept.Add(1)
				}
			}
		}
	}
	r.mu.Unlock()
	select {
	case r.got <- struct{}{}:
	default:
	}
}

func (s *Span) field(key string) *float64 {
	switch key {
	case attrTTFT:
		return &s.TTFT
	case attrQueue:
		return &s.Queue
	case attrPrefill:
		return &s.Prefill
	case attrDecode:
		return &s.Decode
	case attrE2E:
		return &s.E2E
	}
	return nil
}

// number reads a numeric attribute (vLLM sends doubles; an integer is
// taken too); NaN for anything else.
func number(v *common.AnyValue) float64 {
	switch x := v.GetValue().(type) {
	case *common.AnyValue_DoubleValue:
		return x.DoubleValue
	case *common.AnyValue_IntValue:
		return float64(x.IntValue)
	}
	return math.NaN()
}
