package metrics

import (
	"testing"

	"github.com/sonde-bench/sonde/internal/record"
)

// A dial this request started may finish after it was handed a pooled
// connection (net/http's trace hooks still fire): only the part while the
// request waited counts, so the phases still partition the request.
func TestHTTPPhasesPartitionWhenADialOutlivesTheWait(t *testing.T) {
	r := &record.Record{StartNs: 100, EndNs: 400, Responses: []record.Response{{Ns: 250}, {Ns: 400}},
		HTTP: record.Phases{GetConn: 100, ConnectStart: 150, ConnectDone: 300, GotConn: 200, Wrote: 210, FirstByte: 250}}
	v := Compute(r, true)
	get := func(i int) float64 { x, _ := v.Get(i); return x }
	if c := get(HTTPConnecting); c != 50 {
		t.Errorf("connecting %v ns, want the 50 ns before the request got its connection", c)
	}
	if total := get(HTTPTotal); total != 300 {
		t.Errorf("http_req_total %v ns, the request took 300", total)
	}
}
