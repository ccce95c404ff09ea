package httpapi

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/sonde-bench/sonde/internal/servertrace"
	"github.com/sonde-bench/sonde/internal/sim"
)

// With otlp-traces-endpoint, every finished generation becomes a vLLM-like
// span in the request's trace, over OTLP/HTTP as over gRPC; a bad
// endpoint is refused by name.
func TestTracesEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	recv := servertrace.NewReceiver(ln)
	defer recv.Close()
	ids := map[string]string{"http": "0af7651916cd43dd8448eb211c80319c", "grpc": "1af7651916cd43dd8448eb211c80319c"}
	for scheme, id := range ids {
		addr, s := serve(t, func(o *sim.Options) { o.TracesEndpoint = scheme + "://" + ln.Addr().String() })
		resp, _ := post(t, addr+"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hello there"}],"max_tokens":3}`,
			"Traceparent", "00-"+id+"-b7ad6b7169203331-01")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", scheme, resp.StatusCode)
		}
		s.tracer.close() // flush now
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if missing := recv.WaitFor(ctx, []string{ids["http"], ids["grpc"]}, 30*time.Second); missing != 0 {
		t.Fatalf("%d spans missing", missing)
	}
	sp, _ := recv.Lookup(ids["grpc"])
	if sp.Name != "llm_request" || !(sp.TTFT > 0) || sp.Queue != 0 || sp.Prefill != sp.TTFT || !(sp.E2E >= sp.TTFT) {
		t.Fatalf("span %+v", sp)
	}
	for _, bad := range []string{"nohost", "ftp://h:1"} {
		if _, err := newTracer(bad, "m"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
