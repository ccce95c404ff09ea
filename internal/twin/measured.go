package twin

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
	"github.com/sonde-bench/sonde/internal/metrics"
	"github.com/sonde-bench/sonde/internal/record"
	"github.com/sonde-bench/sonde/internal/sim"
)

// Measured is a run folder as the fit reads it: each successful profiling
// request's send, first and last token, lengths and expected cache hits,
// times from the run's first send.
type Measured struct {
	Dir      string
	Reqs     []MeasuredRequest // in send order
	Headline Headline
	// Concurrency is the run's concurrency when it ran closed loop (0:
	// its sessions arrived at a rate).
	Concurrency int
	// Command is the command line the run recorded (cli_command).
	Command string
	// Prefill is the mean time the server's engine spent on a request's
	// prompt, as its /metrics said (serverPrefill); 0 when unknown.
	Prefill time.Duration
}

// MeasuredRequest is one request of a measured run.
type MeasuredRequest struct {
	Session, Turn     int
	Sent, First, Last time.Duration
	Input, Output     int
	// Cached is what the session sent and received before: the prompt's
	// start a prefix cache can serve.
	Cached int
}

// ReadRun reads a run folder's records (streaming runs only: the fit needs
// each request's first token).
func ReadRun(dir, prefix string) (*Measured, error) {
	d, err := export.Open(dir, prefix)
	if err != nil {
		return nil, err
	}
	m := &Measured{Dir: dir}
	m.Concurrency, m.Command = described(d)
	var t0 int64
	_, err = d.Records(func(r *record.Record, v *metrics.Values) {
		osl, ok := v.Get(metrics.OSL)
		ttft, hasTTFT := v.Get(metrics.TTFT)
		if r.Phase != record.PhaseProfiling || r.Error != nil || !ok || osl < 1 || !hasTTFT || len(r.Responses) == 0 {
			return
		}
		m.Reqs = append(m.Reqs, MeasuredRequest{Session: r.SessionNum, Turn: r.TurnIndex, Sent: time.Duration(r.StartNs),
			First: time.Duration(r.StartNs + int64(ttft)), Last: time.Duration(r.Responses[len(r.Responses)-1].Ns),
			Input: r.InputTokens, Output: int(osl), Cached: r.ExpectedCached})
	})
	if err != nil {
		return nil, err
	}
	if len(m.Reqs) == 0 {
		return nil, fmt.Errorf("%s: no successful streamed request to fit (the twin needs --streaming runs)", dir)
	}
	slices.SortFunc(m.Reqs, func(a, b MeasuredRequest) int { return int(a.Sent - b.Sent) })
	t0 = int64(m.Reqs[0].Sent)
	obs := make([]Obs, len(m.Reqs))
	for i := range m.Reqs {
		q := &m.Reqs[i]
		q.Sent, q.First, q.Last = q.Sent-time.Duration(t0), q.First-time.Duration(t0), q.Last-time.Duration(t0)
		obs[i] = Obs{Sent: q.Sent, First: q.First, Last: q.Last, Output: q.Output}
	}
	m.Headline = headlineOf(obs)
	m.Prefill, _ = serverPrefill(d, len(m.Reqs))
	return m, nil
}

// obs are the run's requests as the figures read them.
func (m *Measured) obs() []Obs {
	out := make([]Obs, len(m.Reqs))
	for i, q := range m.Reqs {
		out[i] = Obs{Sent: q.Sent, First: q.First, Last: q.Last, Output: q.Output}
	}
	return out
}

// Replay runs a measured run's sessions on the twin and returns what the
// twin makes of them: the fit compares it with what was measured. Each
// session's turns follow one another as they did, a turn sent its measured
// gap after the twin's answer to the one before, each prompt starting with
// what its session sent and received before (as far as the run expected a
// cache to serve). A concurrency run's sessions are taken in their measured
// order by as many workers as it had; a rate run's start at their measured
// times.
func Replay(t *sim.Twin, m *Measured, seed uint64) Headline {
	return headlineOf(replayObs(t, m, seed))
}

// replayObs is Replay's requests, in the run's order (a refused one has no
// first token).
func replayObs(t *sim.Twin, m *Measured, seed uint64) []Obs {
	w := newWorld(t, seed)
	sessions := map[int][]int{}
	var order []int
	for i, q := range m.Reqs {
		if _, ok := sessions[q.Session]; !ok {
			order = append(order, q.Session)
		}
		sessions[q.Session] = append(sessions[q.Session], i)
	}
	reqs := make([]*Request, len(m.Reqs))
	var turn func(idxs []int, k int, history []int32, done func())
	turn = func(idxs []int, k int, history []int32, done func()) {
		i := idxs[k]
		q := m.Reqs[i]
		shared := min(len(history), q.Cached, q.Input)
		prompt := append(slices.Clip(history[:shared]), w.fresh(q.Input-shared)...)
		answer := w.fresh(q.Output)
		reqs[i] = &Request{Session: q.Session, Turn: q.Turn}
		w.send(reqs[i], prompt, answer, func(end time.Duration) {
			if k+1 == len(idxs) {
				done()
				return
			}
			gap := max(m.Reqs[idxs[k+1]].Sent-q.Last, 0)
			h := w.history(prompt, answer)
			w.at(end+gap, func() { turn(idxs, k+1, h, done) })
		})
	}
	if m.Concurrency > 0 {
		next := 0
		var worker func()
		worker = func() {
			if next < len(order) {
				next++
				turn(sessions[order[next-1]], 0, nil, worker)
			}
		}
		for range m.Concurrency {
			w.at(0, worker)
		}
	} else {
		for _, s := range order {
			idxs := sessions[s]
			w.at(m.Reqs[idxs[0]].Sent, func() { turn(idxs, 0, nil, func() {}) })
		}
	}
	w.run(0)
	obs := make([]Obs, len(reqs))
	for i, r := range reqs {
		if r != nil {
			obs[i] = r.obs()
		}
	}
	return obs
}

// described reads what a run's summary says of its load: the concurrency
// of its profiling phase when it ran closed loop (0 for a rate, a trace or
// anything else), and its command line.
func described(d *export.RunDir) (concurrency int, command string) {
	doc, err := d.Summary()
	if err != nil {
		return 0, ""
	}
	var ic struct {
		Phases []config.Phase `json:"phases"`
	}
	if json.Unmarshal(doc.InputConfig, &ic) == nil {
		for _, p := range ic.Phases {
			if p.Name == "profiling" && p.Type == "concurrency" && p.Concurrency != nil {
				concurrency = *p.Concurrency
			}
		}
	}
	return concurrency, doc.RunInfo.CLICommand
}
