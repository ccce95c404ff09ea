package sim

import (
	"math"
	"time"
)

// stepPlan is what one step does.
type stepPlan struct {
	decodes  []*seq
	prefills []*seq
	chunks   []int
	prefill  int    // tokens
	pairs    int    // (prompt token, earlier token) pairs the prefill attends
	context  int    // tokens attended by the decodes
	admitted []*seq // scheduled for the first time in this step
}

func (b *Batch) loop() {
	defer close(b.done)
	defer b.timers.Close()
	kv := newEngineCache(b.cfg)
	var waiting, running []*seq
	var lastEnd time.Time
	busy := false
	defer func() {
		for _, s := range append(waiting, running...) {
			s.finish()
		}
	}()
	// receive takes one message (a new request or a cache reset), blocking
	// only when idle. It reports whether a message came and whether to stop.
	receive := func(idle bool) (got, stop bool) {
		var s *seq
		var r chan bool
		if idle {
			select {
			case s = <-b.submit:
			case r = <-b.resets:
			case <-b.ctx.Done():
				return false, true
			}
		} else {
			select {
			case s = <-b.submit:
			case r = <-b.resets:
			case <-b.ctx.Done():
				return false, true
			default:
				return false, false
			}
		}
		if s != nil {
			waiting = append(waiting, s)
		} else {
			kv.reset()
			r <- true
		}
		return true, false
	}
	for {
		if len(waiting) == 0 && len(running) == 0 {
			b.publish(kv, 0, 0)
			if _, stop := receive(true); stop {
				return
			}
		}
		for got, stop := receive(false); got || stop; got, stop = receive(false) {
			if stop {
				return
			}
		}
		waiting = b.dropAborted(kv, waiting)
		running = b.dropAborted(kv, running)

		var p stepPlan
		var admitted []*seq
		p, admitted, waiting = b.schedule(kv, running, waiting)
		running = append(running, admitted...)
		if len(p.decodes)+len(p.prefills) == 0 {
			if len(running) == 0 && len(waiting) > 0 {
				// Nothing runs and the head of the queue cannot fit: it never will.
				waiting[0].finish()
				waiting = waiting[1:]
			}
			continue
		}
		b.publish(kv, len(running), len(waiting))

		if !b.sleepStep(&p, busy, &lastEnd) {
			return
		}
		running = b.apply(kv, &p, running)
		busy = len(running) > 0 || len(waiting) > 0
	}
}

// sleepStep waits out one step. Back-to-back steps run on the engine's own
// timeline: a step starts when the previous one was due to end, even if the
// timer woke late, so timer lateness never stretches ITL. After idling, or
// when more than maxCatchUp behind (the simulator itself is overloaded), the
// timeline re-anchors to now. It reports false when the engine stops.
func (b *Batch) sleepStep(p *stepPlan, busy bool, lastEnd *time.Time) bool {
	start := time.Now()
	if busy && start.Sub(*lastEnd) < maxCatchUp {
		start = *lastEnd
	}
	for _, s := range p.admitted {
		s.scheduled.Store(start.UnixNano()) // their queue ends as the step begins
	}
	end := start.Add(b.cfg.Step.Duration(p.prefill, p.pairs, len(p.decodes), p.context, len(p.admitted)))
	*lastEnd = end
	if !b.timers.SleepUntil(b.ctx, end) {
		return false
	}
	lag := time.Since(end)
	b.stepsDone.Add(1)
	b.lagTotal.Add(int64(lag))
	if int64(lag) > b.lagMax.Load() {
		b.lagMax.Store(int64(lag))
	}
	return true
}

// maxCatchUp bounds how far behind its timeline the engine may run before it
// gives up catching up.
const maxCatchUp = 20 * time.Millisecond

// schedule plans a step: every running sequence past its prefill decodes one
// token; the remaining token budget goes to prompt chunks of sequences still
// prefilling, then to newly admitted ones, first come first served.
func (b *Batch) schedule(kv *kvCache, running, waiting []*seq) (stepPlan, []*seq, []*seq) {
	// The lists reuse the last step's (consumed before this one is made).
	p := stepPlan{decodes: b.scratch.decodes[:0], prefills: b.scratch.prefills[:0], chunks: b.scratch.chunks[:0]}
	defer func() { b.scratch = p }()
	budget := b.cfg.MaxNumBatchedTokens
	for _, s := range running {
		if s.prefillLeft == 0 {
			p.decodes = append(p.decodes, s)
			p.context += len(s.req.PromptIDs) + s.generated
			budget--
		}
	}
	chunk := func(s *seq) {
		c := min(s.prefillLeft, budget)
		p.prefills = append(p.prefills, s)
		p.chunks = append(p.chunks, c)
		p.prefill += c
		p.pairs += c * (len(s.req.PromptIDs) - s.prefillLeft + c/2) // each attends to what is before it
		budget -= c
	}
	for _, s := range running {
		if s.prefillLeft > 0 && budget > 0 {
			chunk(s)
		}
	}
	var admitted []*seq
	for len(waiting) > 0 && len(running)+len(admitted) < b.cfg.MaxNumSeqs && budget > 0 {
		s := waiting[0]
		if !b.admit(kv, s) {
			break // head-of-line: vLLM's FCFS scheduler waits for KV space
		}
		waiting = waiting[1:]
		admitted = append(admitted, s)
		chunk(s)
	}
	p.admitted = admitted
	return p, admitted, waiting
}

// admit reserves KV blocks for a sequence's prompt and whole answer, reusing
// the longest cached prefix. Like vLLM it always recomputes the last prompt
// token, so at most ⌊(prompt−1)/block⌋ blocks can hit.
func (b *Batch) admit(kv *kvCache, s *seq) bool {
	bs := b.cfg.BlockSize
	prompt := len(s.req.PromptIDs)
	need := ceilDiv(len(s.all), bs)
	if need > kv.capacity {
		return false
	}
	hashes := blockHashes(s.req.PromptIDs, bs, nil)
	var m int
	if kv.slots != nil { // a slot's tokens are its own: nothing is shared in the pool
		if !kv.reserve(need) {
			return false
		}
		var shared int
		s.slot, shared = kv.slots.take(hashes, len(hashes))
		m = min(shared, max(prompt-1, 0)/bs)
		s.anon = need
	} else {
		m = min(kv.match(hashes), max(prompt-1, 0)/bs)
		s.held = kv.pin(hashes[:m], s.held[:0])
		if !kv.reserve(need - m) {
			kv.release(s.held, 0)
			s.held = s.held[:0]
			return false
		}
		s.anon = need - m
	}
	s.filled = m
	s.chain = chainSeed
	if m > 0 {
		s.chain = hashes[m-1]
	}
	kv.queries += int64(prompt)
	kv.hits += int64(m * bs)
	s.cached.Store(int32(m * bs))
	s.prefillLeft = prompt - m*bs
	return true
}

// fillBlocks registers every block of the sequence that is now complete.
func (b *Batch) fillBlocks(kv *kvCache, s *seq, computed int) {
	bs := b.cfg.BlockSize
	for (s.filled+1)*bs <= computed {
		s.chain = chainHash(s.chain, s.all[s.filled*bs:(s.filled+1)*bs])
		s.filled++
		if blk := kv.fill(s.chain); blk != nil {
			s.held = append(s.held, blk)
			s.anon--
		}
	}
}

// apply publishes the step's tokens and retires finished sequences.
func (b *Batch) apply(kv *kvCache, p *stepPlan, running []*seq) []*seq {
	b.steps++
	emit := func(s *seq) {
		s.generated++
		if s.generated == 1 {
			s.firstStep = b.steps
		}
		s.lastStep = b.steps
		s.emitted.Store(int32(s.generated))
		if s.generated >= len(s.a.words) {
			b.free(kv, s, len(s.all))
			s.finish()
			return
		}
		s.poke()
	}
	for _, s := range p.decodes {
		b.fillBlocks(kv, s, len(s.req.PromptIDs)+s.generated+1)
		emit(s)
	}
	for i, s := range p.prefills {
		s.prefillLeft -= p.chunks[i]
		computed := len(s.req.PromptIDs) - s.prefillLeft
		if s.prefillLeft == 0 {
			computed++ // the step that finishes the prompt samples the first token
		}
		b.fillBlocks(kv, s, computed)
		if s.prefillLeft == 0 {
			emit(s)
		}
	}
	out := running[:0]
	for _, s := range running {
		if !s.finished.Load() {
			out = append(out, s)
		}
	}
	clear(running[len(out):])
	return out
}

// dropAborted removes sequences whose client left, freeing their blocks.
func (b *Batch) dropAborted(kv *kvCache, list []*seq) []*seq {
	out := list[:0]
	for _, s := range list {
		if s.aborted.Load() {
			if s.held != nil || s.anon > 0 {
				b.free(kv, s, len(s.req.PromptIDs)-s.prefillLeft+s.generated)
			}
			s.finish()
			continue
		}
		out = append(out, s)
	}
	clear(list[len(out):])
	return out
}

func (b *Batch) publish(kv *kvCache, running, waiting int) {
	b.running.Store(int64(running))
	b.waiting.Store(int64(waiting))
	b.kvUsage.Store(math.Float64bits(kv.usage()))
	b.queries.Store(kv.queries)
	b.hits.Store(kv.hits)
}

// free releases an admitted sequence's blocks; with a slot cache its slot
// keeps the tokens it computed.
func (b *Batch) free(kv *kvCache, s *seq, computed int) {
	kv.release(s.held, s.anon)
	s.held, s.anon = nil, 0
	if kv.slots != nil {
		kv.slots.put(s.slot, blockHashes(s.all[:computed], b.cfg.BlockSize, nil))
	}
}

// newEngineCache is the engine's KV pool and prefix cache: vLLM's blocks,
// or llama.cpp's slots (cfg.SlotCache), whose reuse the pool does not see.
func newEngineCache(cfg BatchConfig) *kvCache {
	kv := newKVCache(cfg.BlockSize, cfg.KVCacheTokens, cfg.PrefixCaching && !cfg.SlotCache)
	if cfg.PrefixCaching && cfg.SlotCache {
		kv.slots = newSlotCache(cfg.MaxNumSeqs)
	}
	return kv
}
