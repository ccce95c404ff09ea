package transport

import (
	"crypto/tls"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/sonde-bench/sonde/internal/clock"
	"github.com/sonde-bench/sonde/internal/record"
)

// Phases are a request's HTTP phases (record.Phases).
type Phases = record.Phases

// tracer collects Phases. Its callbacks may run on the transport's own
// goroutines, even after the request gave up (a dial it started goes on),
// hence atomics; snapshot copies them when the request is over.
type tracer struct {
	clk                                                       clock.Clock
	getConn, dnsStart, dnsDone, connStart, connDone, tlsStart atomic.Int64
	tlsDone, gotConn, wrote, firstByte                        atomic.Int64
	reused, prewarmed                                         atomic.Bool
	onWrote                                                   func()
}

func (t *tracer) stamp(a *atomic.Int64) { a.CompareAndSwap(0, t.clk.Now()) }

func (t *tracer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:           func(string) { t.stamp(&t.getConn) },
		DNSStart:          func(httptrace.DNSStartInfo) { t.stamp(&t.dnsStart) },
		DNSDone:           func(httptrace.DNSDoneInfo) { t.stamp(&t.dnsDone) },
		ConnectStart:      func(string, string) { t.stamp(&t.connStart) },
		ConnectDone:       func(string, string, error) { t.stamp(&t.connDone) },
		TLSHandshakeStart: func() { t.stamp(&t.tlsStart) },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { t.stamp(&t.tlsDone) },
		GotConn: func(i httptrace.GotConnInfo) {
			t.stamp(&t.gotConn)
			t.reused.Store(i.Reused)
			_, warm := i.Conn.(*warmConn)
			t.prewarmed.Store(warm)
		},
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err != nil {
				return // not written: Wrote stays zero, so a stale connection may be retried
			}
			t.stamp(&t.wrote)
			if t.onWrote != nil {
				t.onWrote()
			}
		},
		GotFirstResponseByte: func() { t.stamp(&t.firstByte) },
	}
}

func (t *tracer) snapshot() Phases {
	return Phases{GetConn: t.getConn.Load(), DNSStart: t.dnsStart.Load(), DNSDone: t.dnsDone.Load(),
		ConnectStart: t.connStart.Load(), ConnectDone: t.connDone.Load(), TLSStart: t.tlsStart.Load(), TLSDone: t.tlsDone.Load(),
		GotConn: t.gotConn.Load(), Wrote: t.wrote.Load(), FirstByte: t.firstByte.Load(),
		Reused: t.reused.Load(), Prewarmed: t.prewarmed.Load()}
}
