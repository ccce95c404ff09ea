package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Weka are a weka_trace's knobs.
type Weka struct {
	ThinkTimeOnly bool           // --use-think-time-only: delays from think_time, not t deltas
	MaxContext    int            // --max-context-length: traces whose peak in+out exceeds it are dropped; 0: none
	IdleGapCap    *time.Duration // --trace-idle-gap-cap-seconds: gaps between a trace's submissions capped
}

// wekaTrace is one Weka KV-cache-tester trace: a coding session's
// requests (type "n" or "s") and its sub-agents (type "subagent", with
// requests of their own).
type wekaTrace struct {
	ID          string        `json:"id"`
	BlockSize   int           `json:"block_size"`
	HashIDScope string        `json:"hash_id_scope"`
	Requests    []wekaRequest `json:"requests"`
}

type wekaRequest struct {
	T         float64       `json:"t"` // seconds from the session's start
	Type      string        `json:"type"`
	Model     string        `json:"model"`
	In        int           `json:"in"`
	Out       int           `json:"out"`
	HashIDs   []int64       `json:"hash_ids"`
	ThinkTime *float64      `json:"think_time"`
	AgentID   string        `json:"agent_id"`
	Requests  []wekaRequest `json:"requests"` // a sub-agent's
}

// loadWeka reads a Weka trace file, or a folder of them (in name order):
// each trace is a session whose requests are whole (their hash ids cover
// the history, so each turn is sent alone), its sub-agents spawned from
// the request before them and joined by the request after.
func loadWeka(o FileOptions) ([]Conversation, error) {
	paths, err := wekaPaths(o.Path)
	if err != nil {
		return nil, err
	}
	var traces []placedTrace
	for _, path := range paths {
		data, err := readWhole(path)
		if err != nil {
			return nil, err
		}
		var tr wekaTrace
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(&tr); err != nil {
			return nil, fmt.Errorf("%s: not a Weka trace: %v", path, err)
		}
		traces = append(traces, placedTrace{tr, path})
	}
	return buildWeka(o, traces)
}

// placedTrace is a trace and where it was read (a file, a row).
type placedTrace struct {
	wekaTrace
	at string
}

// buildWeka makes the traces' sessions, in order.
func buildWeka(o FileOptions, traces []placedTrace) ([]Conversation, error) {
	gen, err := o.promptGen()
	if err != nil {
		return nil, err
	}
	r := NewRand(o.Seed, StreamPrompt)
	global := map[int64][]int{}
	var convs []Conversation
	for i := range traces {
		tr, at := &traces[i].wekaTrace, traces[i].at
		if err := tr.check(at); err != nil {
			return nil, err
		}
		if o.Weka.MaxContext > 0 && tr.peak(tr.Requests) > o.Weka.MaxContext {
			continue
		}
		blocks := global
		if tr.HashIDScope != "global" {
			blocks = map[int64][]int{} // each trace its own hash namespace
		}
		w := wekaBuild{o: o, gen: gen, r: r, blocks: blocks, block: tr.BlockSize, path: at, models: map[string]string{}}
		if tr.ID == "" {
			tr.ID = fmt.Sprintf("trace-%d", i)
		}
		c, err := w.session(tr.ID, tr.Requests)
		if err != nil {
			return nil, err
		}
		if len(c.Turns) > 0 {
			convs = append(convs, *c)
		}
	}
	return convs, nil
}

// wekaPaths are a trace file, or a folder's .json files in name order.
func wekaPaths(path string) ([]string, error) { return filesUnder(path, false, ".json") }

// filesUnder is path itself when it is a file; for a folder, its files
// ending in one of exts (any case; in its subfolders too when
// recursive), in path order.
func filesUnder(path string, recursive bool, exts ...string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--input-file: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != path && !recursive:
			return filepath.SkipDir
		case !d.IsDir() && slices.Contains(exts, strings.ToLower(filepath.Ext(p))):
			out = append(out, p)
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s: no %s file in the folder", path, strings.Join(exts, ", "))
	}
	return out, err
}

func (tr *wekaTrace) check(path string) error {
	switch {
	case tr.BlockSize < 1:
		return fmt.Errorf("%s: block_size must be at least 1", path)
	case tr.HashIDScope != "local" && tr.HashIDScope != "global" && tr.HashIDScope != "":
		return fmt.Errorf("%s: hash_id_scope %q is neither local nor global", path, tr.HashIDScope)
	case len(tr.Requests) == 0:
		return fmt.Errorf("%s: a trace with no requests", path)
	}
	return nil
}

// peak is the largest in + out of any request, sub-agents' included.
func (tr *wekaTrace) peak(reqs []wekaRequest) int {
	m := 0
	for _, q := range reqs {
		m = max(m, q.In+q.Out, tr.peak(q.Requests))
	}
	return m
}

// wekaBuild turns one trace's requests into sessions.
type wekaBuild struct {
	o      FileOptions
	gen    *PromptGen
	r      *rand.Rand
	blocks map[int64][]int
	block  int
	path   string
	models map[string]string // the trace's models → --model, first seen first
}

// session builds one session (the trace's, or a sub-agent's) from its
// requests; a sub-agent before the session's first request is dropped.
func (w *wekaBuild) session(id string, reqs []wekaRequest) (*Conversation, error) {
	c := &Conversation{ID: id, Standalone: true}
	prevT := -1.0
	for _, q := range reqs {
		if q.Type == "subagent" {
			if len(c.Turns) == 0 {
				continue // nothing to spawn it from
			}
			child, err := w.session(id+"::sa:"+q.AgentID, q.Requests)
			if err != nil {
				return nil, err
			}
			if len(child.Turns) > 0 {
				last := &c.Turns[len(c.Turns)-1]
				last.Spawns = append(last.Spawns, child)
			}
			continue
		}
		if q.Type != "n" && q.Type != "s" {
			return nil, fmt.Errorf("%s: session %s: request type %q is not n, s or subagent", w.path, id, q.Type)
		}
		t, err := w.turn(q)
		if err != nil {
			return nil, fmt.Errorf("%s: session %s request at t=%g: %v", w.path, id, q.T, err)
		}
		if w.o.Synthesis.MaxISL > 0 && q.In > w.o.Synthesis.MaxISL {
			continue
		}
		if prevT >= 0 {
			t.Delay = w.delay(q, q.T-prevT)
		}
		prevT = q.T
		c.Turns = append(c.Turns, t)
	}
	return c, nil
}

// turn is one request: its prompt from its hash ids, its output length,
// its model mapped onto --model.
func (w *wekaBuild) turn(q wekaRequest) (Turn, error) {
	var t Turn
	in := q.In
	if _, err := traceText(&t, w.gen, w.r, w.blocks, w.block, &in, nil, q.HashIDs, false); err != nil {
		return t, err
	}
	t.Tokens = len(w.o.Tok.Encode(t.Text))
	t.MaxTokens = max(q.Out, 1)
	if w.o.Synthesis.MaxOSL > 0 {
		t.MaxTokens = min(t.MaxTokens, w.o.Synthesis.MaxOSL)
	}
	t.Timestamp, t.HasTimestamp = q.T*1000, true
	if models := w.o.Models; len(models) > 0 {
		m, ok := w.models[q.Model]
		if !ok {
			m = models[len(w.models)%len(models)]
			w.models[q.Model] = m
		}
		t.Model = m
	}
	return t, nil
}

// delay is the think time before a request: the gap since the one before
// (its recorded think_time alone with --use-think-time-only), capped by
// --trace-idle-gap-cap-seconds.
func (w *wekaBuild) delay(q wekaRequest, gapS float64) time.Duration {
	d := ms(max(gapS, 0) * 1000)
	if w.o.Weka.ThinkTimeOnly && q.ThinkTime != nil {
		d = ms(*q.ThinkTime * 1000)
	}
	if c := w.o.Weka.IdleGapCap; c != nil && d > *c {
		d = *c
	}
	return d
}
