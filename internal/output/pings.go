package output

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
)

// ping is one TCP connect round trip to a server (--network-latency-automatic).
type ping struct {
	Endpoint string `json:"endpoint"`
	TimeNs   int64  `json:"timestamp_ns"`
	RTTNs    int64  `json:"rtt_ns,omitempty"`
	Error    string `json:"error,omitempty"`
}

// pinger measures TCP connect round trips to every server on its own
// goroutine, every interval, during profiling: the time to the SYN-ACK is
// one network round trip, whatever the server does. An output.
type pinger struct {
	hosts    []string
	interval time.Duration
	now      func() time.Time
	files    export.Files
	log      func(string)
	warn     func(string)

	mu         sync.Mutex
	pings      []ping
	quit, done chan struct{}
}

// NewPinger pings the hosts of the request URLs.
func NewPinger(urls []string, interval time.Duration, now func() time.Time, files export.Files, log, warn func(string)) Output {
	var hosts []string
	for _, u := range urls {
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
	return &pinger{hosts: hosts, interval: max(interval, 10*time.Millisecond), now: now, files: files, log: log, warn: warn}
}

func (pg *pinger) Start(context.Context) error {
	pg.quit, pg.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(pg.done)
		t := time.NewTicker(pg.interval)
		defer t.Stop()
		for {
			for _, h := range pg.hosts {
				pg.probe(h)
			}
			select {
			case <-pg.quit:
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

func (pg *pinger) probe(host string) {
	t0 := pg.now()
	p := ping{Endpoint: host, TimeNs: t0.UnixNano()}
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		p.Error = err.Error()
	} else {
		p.RTTNs = int64(pg.now().Sub(t0))
		c.Close()
	}
	pg.mu.Lock()
	pg.pings = append(pg.pings, p)
	pg.mu.Unlock()
}

func (pg *pinger) Stop() error {
	if pg.quit != nil {
		close(pg.quit)
		<-pg.done
	}
	return nil
}

// Contribute adds network_rtt and the network-adjusted latencies.
func (pg *pinger) Contribute(s *metrics.Summary, _ *export.Run) {
	var rtts []float64
	for _, p := range pg.pings {
		if p.Error == "" {
			rtts = append(rtts, float64(p.RTTNs))
		}
	}
	if len(rtts) == 0 {
		pg.warn("--network-latency-automatic: no round trip could be measured.")
		return
	}
	subtractRTT(s, rtts, "measured", pg.log, pg.warn)
}

// fixedRTT is a round trip the user knows (--network-latency-mean): the
// adjusted latencies without probing.
type fixedRTT struct {
	ms        float64
	log, warn func(string)
}

// FixedRTT subtracts a round trip of ms milliseconds from the latencies.
func FixedRTT(ms float64, log, warn func(string)) Output {
	return fixedRTT{ms: ms, log: log, warn: warn}
}

func (fixedRTT) Start(context.Context) error { return nil }
func (fixedRTT) Stop() error                 { return nil }

func (f fixedRTT) Contribute(s *metrics.Summary, _ *export.Run) {
	subtractRTT(s, []float64{f.ms * 1e6}, "given", f.log, f.warn)
}

// subtractRTT adds the network-adjusted latencies and says which round trip
// they lack, as AIPerf logs it, warning when it exceeded some latency.
func subtractRTT(s *metrics.Summary, rttNs []float64, how string, log, warn func(string)) {
	mean, clamped := s.AddNetwork(rttNs)
	log(fmt.Sprintf("Network round trip subtracted from the network_adjusted_* latencies: %.3f ms (%s)", mean, how))
	if clamped {
		warn(fmt.Sprintf("The %.3f ms round trip exceeds some latencies, which are clamped at 0: it may be more than the network's share.", mean))
	}
}

// Write writes every probe to profile_export_network_latency.jsonl.
func (pg *pinger) Write() error {
	f, err := os.Create(pg.files.NetworkLatency())
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, p := range pg.pings {
		if err := enc.Encode(p); err != nil {
			break
		}
	}
	return errors.Join(w.Flush(), f.Close())
}
