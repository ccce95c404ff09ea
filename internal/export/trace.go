package export

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
)

// traceData is a record's trace_data (--export-http-trace), AIPerf's
// field names, wall-clock nanoseconds. A phase that did not happen (no
// DNS lookup on a reused connection) is left out.
type traceData struct {
	TraceType                 string     `json:"trace_type"`
	RequestSendStartNs        int64      `json:"request_send_start_ns"`
	ConnectionPoolWaitStartNs *int64     `json:"connection_pool_wait_start_ns,omitempty"`
	ConnectionPoolWaitEndNs   *int64     `json:"connection_pool_wait_end_ns,omitempty"`
	ConnectionReusedNs        *int64     `json:"connection_reused_ns,omitempty"`
	DNSLookupStartNs          *int64     `json:"dns_lookup_start_ns,omitempty"`
	DNSLookupEndNs            *int64     `json:"dns_lookup_end_ns,omitempty"`
	TCPConnectStartNs         *int64     `json:"tcp_connect_start_ns,omitempty"`
	TCPConnectEndNs           *int64     `json:"tcp_connect_end_ns,omitempty"`
	RequestSendEndNs          *int64     `json:"request_send_end_ns,omitempty"`
	RequestChunks             [][2]int64 `json:"request_chunks,omitempty"`
	ResponseStatusCode        int        `json:"response_status_code,omitempty"`
	ResponseReason            string     `json:"response_reason,omitempty"`
	ResponseHeadersReceivedNs *int64     `json:"response_headers_received_ns,omitempty"`
	ResponseReceiveStartNs    *int64     `json:"response_receive_start_ns,omitempty"`
	ResponseChunks            [][2]int64 `json:"response_chunks"`
	ResponseReceiveEndNs      int64      `json:"response_receive_end_ns"`
}

// appendTraceData writes r's trace: the phases' stamps, the chunks, and
// the phases' durations as the http_req_* metrics computed them.
func appendTraceData(dst []byte, r *record.Record, v *metrics.Values) []byte {
	wall := wallOf(r)
	at := func(ns int64) *int64 {
		if ns == 0 {
			return nil
		}
		w := wall(ns)
		return &w
	}
	h := r.HTTP
	t := traceData{TraceType: "sonde", RequestSendStartNs: r.StartWallNs, ConnectionPoolWaitStartNs: at(h.GetConn),
		ConnectionPoolWaitEndNs: at(h.GotConn), DNSLookupStartNs: at(h.DNSStart), DNSLookupEndNs: at(h.DNSDone),
		TCPConnectStartNs: at(h.ConnectStart), TCPConnectEndNs: at(h.ConnectDone), RequestSendEndNs: at(h.Wrote),
		ResponseHeadersReceivedNs: at(r.AckNs), ResponseReceiveEndNs: r.EndWallNs, ResponseChunks: [][2]int64{}}
	if h.Reused {
		t.ConnectionReusedNs = at(h.GotConn)
	}
	if h.Wrote != 0 {
		t.RequestChunks = [][2]int64{{wall(h.Wrote), int64(r.BytesSent)}}
	}
	if r.AckNs != 0 {
		t.ResponseStatusCode = http.StatusOK
		if r.Error != nil && r.Error.Code != 0 {
			t.ResponseStatusCode = r.Error.Code
		}
		t.ResponseReason = http.StatusText(t.ResponseStatusCode)
	}
	for _, c := range r.Chunks {
		t.ResponseChunks = append(t.ResponseChunks, [2]int64{wall(c[0]), c[1]})
	}
	if len(r.Chunks) > 0 {
		t.ResponseReceiveStartNs = at(r.Chunks[0][0])
	}
	b, _ := json.Marshal(t)
	b = b[:len(b)-1] // the durations follow, from the metrics
	for _, d := range []struct {
		key string
		m   int
	}{{"blocked_ns", metrics.HTTPBlocked}, {"dns_lookup_ns", metrics.HTTPDNS}, {"connecting_ns", metrics.HTTPConnecting},
		{"sending_ns", metrics.HTTPSending}, {"waiting_ns", metrics.HTTPWaiting}, {"receiving_ns", metrics.HTTPReceiving},
		{"duration_ns", metrics.HTTPDuration}} {
		if x, ok := v.Get(d.m); ok {
			b = strconv.AppendInt(append(b, `,"`+d.key+`":`...), int64(x), 10)
		}
	}
	return append(dst, append(b, '}')...)
}
