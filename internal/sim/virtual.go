package sim

import "time"

// Virtual is the batching engine stepped in virtual time by its caller (a
// twin's prediction, internal/twin): the same scheduler, prefix cache and
// step model as Batch, without a goroutine or a clock. The caller submits
// requests at a step boundary, asks for the next step, and advances its own
// time by the step's duration; the step's tokens come out at its end, as
// Batch publishes them. Batch takes new requests only between steps too, so
// the two agree step for step.
type Virtual struct {
	b                *Batch
	kv               *kvCache
	waiting, running []*seq
	emitted          []Emitted
	stepped          []*seq // the last step's sequences, reused
	counts           []int
}

// Emitted is one token a step produced, or a request refused.
type Emitted struct {
	Tag int // the caller's name for the request
	// Token counts from 0 (the first token); -1 for a request the KV cache
	// can never hold, refused without a token.
	Token int
	// Cached is the prompt tokens the prefix cache served.
	Cached int
	Last   bool // the request is done
}

// NewVirtual builds an idle engine.
func NewVirtual(cfg BatchConfig) *Virtual {
	return &Virtual{b: &Batch{cfg: cfg}, kv: newEngineCache(cfg)}
}

// Submit queues a request: its prompt's token ids and the ids it will
// answer (their number is its length; the ids matter to the prefix cache
// when a later prompt repeats them).
func (v *Virtual) Submit(tag int, prompt, answer []int32) {
	s := &seq{b: v.b, tag: tag, req: Request{PromptIDs: prompt, PromptTokens: len(prompt)}}
	s.a.words = make([]int32, len(answer))
	s.all = append(append(make([]int32, 0, len(prompt)+len(answer)), prompt...), answer...)
	v.waiting = append(v.waiting, s)
}

// Busy reports whether any request is waiting or running.
func (v *Virtual) Busy() bool { return len(v.waiting)+len(v.running) > 0 }

// Step runs one step: how long it takes and what it emits at its end (the
// slice is reused by the next call). A zero duration with nothing emitted
// means the engine is idle.
func (v *Virtual) Step() (time.Duration, []Emitted) {
	v.emitted = v.emitted[:0]
	for v.Busy() {
		p, admitted, waiting := v.b.schedule(v.kv, v.running, v.waiting)
		v.waiting = waiting
		v.running = append(v.running, admitted...)
		if len(p.decodes)+len(p.prefills) == 0 {
			if len(v.running) == 0 && len(v.waiting) > 0 { // as Batch: the head can never fit
				v.emitted = append(v.emitted, Emitted{Tag: v.waiting[0].tag, Token: -1, Last: true})
				v.waiting = v.waiting[1:]
				return 0, v.emitted
			}
			continue
		}
		d := v.b.cfg.Step.Duration(p.prefill, p.pairs, len(p.decodes), p.context, len(p.admitted))
		v.stepped = append(append(v.stepped[:0], p.decodes...), p.prefills...)
		v.counts = v.counts[:0]
		for _, s := range v.stepped {
			v.counts = append(v.counts, s.generated)
		}
		v.running = v.b.apply(v.kv, &p, v.running)
		for i, s := range v.stepped {
			if s.generated > v.counts[i] {
				v.emitted = append(v.emitted, Emitted{Tag: s.tag, Token: s.generated - 1, Cached: int(s.cached.Load()), Last: s.finished.Load()})
			}
		}
		return d, v.emitted
	}
	return 0, v.emitted
}
