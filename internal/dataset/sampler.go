package dataset

import "math/rand/v2"

// Sampler picks the conversation each new session runs.
type Sampler interface {
	Next() int
}

// NewSampler returns AIPerf's samplers: random (with replacement),
// sequential (wrapping) or shuffle (without replacement, reshuffled when
// exhausted; the default for synthetic data).
func NewSampler(strategy string, n int, r *rand.Rand) Sampler {
	switch strategy {
	case "random":
		return &randomSampler{n: n, r: r}
	case "sequential":
		return &sequentialSampler{n: n}
	}
	return &shuffleSampler{n: n, r: r}
}

type randomSampler struct {
	n int
	r *rand.Rand
}

func (s *randomSampler) Next() int { return s.r.IntN(s.n) }

type sequentialSampler struct{ n, i int }

func (s *sequentialSampler) Next() int {
	v := s.i % s.n
	s.i++
	return v
}

type shuffleSampler struct {
	n     int
	r     *rand.Rand
	order []int
}

func (s *shuffleSampler) Next() int {
	if len(s.order) == 0 {
		s.order = s.r.Perm(s.n)
	}
	v := s.order[0]
	s.order = s.order[1:]
	return v
}

// Planned draws n picks from s up front, so the run knows how many requests
// it will send; once they are used it keeps drawing from s.
type Planned struct {
	Order []int
	s     Sampler
	i     int
}

// Plan pre-draws n picks from s.
func Plan(s Sampler, n int) *Planned {
	p := &Planned{Order: make([]int, n), s: s}
	for i := range p.Order {
		p.Order[i] = s.Next()
	}
	return p
}

// Next returns the next planned pick.
func (p *Planned) Next() int {
	if p.i < len(p.Order) {
		p.i++
		return p.Order[p.i-1]
	}
	return p.s.Next()
}
