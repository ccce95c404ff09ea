package profile

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/metrics"
)

// ping is one TCP connect round trip to a server (--network-latency-automatic).
type ping struct {
	Endpoint string `json:"endpoint"`
	TimeNs   int64  `json:"timestamp_ns"`
	RTTNs    int64  `json:"rtt_ns,omitempty"`
	Error    string `json:"error,omitempty"`
}

type pinger struct {
	mu    sync.Mutex
	pings []ping
}

// startPings measures TCP connect round trips to every server on its own
// goroutine, every --network-latency-ping-interval, during profiling: the
// time to the SYN-ACK is one network round trip, whatever the server does.
func (r *profileRun) startPings() (stop func()) {
	if !r.p.NetworkLatency {
		return func() {}
	}
	var hosts []string
	for _, u := range r.plan.urls {
		if p, err := url.Parse(u); err == nil {
			host := p.Host
			if p.Port() == "" {
				port := "80"
				if p.Scheme == "https" {
					port = "443"
				}
				host = net.JoinHostPort(p.Hostname(), port)
			}
			hosts = append(hosts, host)
		}
	}
	r.pings = &pinger{}
	quit, done := make(chan struct{}), make(chan struct{})
	interval := time.Duration(max(r.p.NetworkPingInterval, 0.01) * float64(time.Second))
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			for _, h := range hosts {
				t0 := r.now()
				pg := ping{Endpoint: h, TimeNs: t0.UnixNano()}
				c, err := net.DialTimeout("tcp", h, 5*time.Second)
				if err != nil {
					pg.Error = err.Error()
				} else {
					pg.RTTNs = int64(r.now().Sub(t0))
					c.Close()
				}
				r.pings.mu.Lock()
				r.pings.pings = append(r.pings.pings, pg)
				r.pings.mu.Unlock()
			}
			select {
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

// addPings adds network_rtt and the network-adjusted latencies.
func (r *profileRun) addPings(s *metrics.Summary) {
	if r.pings == nil {
		return
	}
	var rtts []float64
	for _, p := range r.pings.pings {
		if p.Error == "" {
			rtts = append(rtts, float64(p.RTTNs))
		}
	}
	if len(rtts) == 0 {
		r.warn("--network-latency-automatic: no round trip could be measured.")
		return
	}
	s.AddNetwork(rtts)
}

// writePings writes every probe to profile_export_network_latency.jsonl.
func (r *profileRun) writePings() error {
	if r.pings == nil {
		return nil
	}
	f, err := os.Create(r.files.NetworkLatency())
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, p := range r.pings.pings {
		if err := enc.Encode(p); err != nil {
			break
		}
	}
	return errors.Join(w.Flush(), f.Close())
}
