package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// A large trace is streamed: read line by line as the run goes, each
// request's prompt built a little ahead of its time and dropped once sent,
// so a trace of gigabytes starts at once and holds a bounded memory. Only
// the common shapes stream — a mooncake trace of one request per line (no
// session_id), or a BurstGPT CSV — in time order; the rest is read whole.
//
// A streamed prompt's hash blocks are derived from the seed and the hash id
// alone (no table of the blocks seen, which would grow with the trace): the
// same id still gives the same tokens, in any request, so prefixes a server
// can cache stay shared.

// TraceStream reads a trace one request at a time: a session-less
// mooncake trace, or a BurstGPT CSV.
type TraceStream struct {
	o    FileOptions
	gen  *PromptGen
	tok  tokenizer.Tokenizer // counts prompts: a word cache of its own when it has one
	f    *os.File
	rd   *bufio.Reader
	line int
	last float64 // the previous timestamp: the trace must not go back
	// A BurstGPT CSV's reader and its columns (nil for JSON lines).
	csv *csv.Reader
	col map[string]int
}

// OpenTraceStream opens a trace to stream.
func OpenTraceStream(o FileOptions) (*TraceStream, error) {
	gen, err := o.promptGen()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(o.Path)
	if err != nil {
		return nil, fmt.Errorf("--input-file: %w", err)
	}
	tok := o.Tok
	if l, ok := tok.(interface{ Local() tokenizer.Tokenizer }); ok {
		tok = l.Local() // one goroutine reads a stream: no synchronised cache
	}
	s := &TraceStream{o: o, gen: gen, tok: tok, f: f, rd: bufio.NewReaderSize(f, 1<<20)}
	if o.Type == "burst_gpt_trace" {
		if err := s.burstHeader(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes the file.
func (s *TraceStream) Close() error { return s.f.Close() }

// Next is the next request as a conversation of one turn; io.EOF after the
// last. A bad line is an error naming the file, line and field.
func (s *TraceStream) Next() (Conversation, error) {
	if s.csv != nil {
		return s.nextBurst()
	}
	for {
		data, err := s.rd.ReadBytes('\n')
		if len(data) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return Conversation{}, io.EOF
			}
			return Conversation{}, fmt.Errorf("%s:%d: %w", s.o.Path, s.line+1, err)
		}
		s.line++
		if len(data) > MaxLine {
			return Conversation{}, fmt.Errorf("%s:%d: a line longer than %d MiB: not a JSONL file?", s.o.Path, s.line, MaxLine>>20)
		}
		if s.line == 1 {
			data = bytes.TrimPrefix(data, utf8BOM)
		}
		if data = bytes.TrimSpace(data); len(data) > 0 {
			return s.request(data)
		}
	}
}

// request builds one line's conversation.
func (s *TraceStream) request(data []byte) (Conversation, error) {
	j := mooncakeLine{line: s.line}
	if err := decodeLine(s.o.Path, s.line, data, &j); err != nil {
		return Conversation{}, err
	}
	fail := func(field string, err error) (Conversation, error) {
		return Conversation{}, &LineError{s.o.Path, s.line, field, err}
	}
	switch {
	case j.SessionID != "":
		return fail("session_id", fmt.Errorf("a streamed trace has one request per line (sessions are read whole: --input-streaming never)"))
	case j.Timestamp == nil:
		return fail("timestamp", fmt.Errorf("a streamed trace gives every line a timestamp"))
	case j.Delay != nil:
		return fail("delay", fmt.Errorf("a streamed trace gives times, not delays"))
	case *j.Timestamp < s.last:
		return fail("timestamp", fmt.Errorf("%g comes before the line above (%g): a streamed trace goes in time order (sort it, or --input-streaming never)", *j.Timestamp, s.last))
	}
	s.last = *j.Timestamp
	t := Turn{Timestamp: *j.Timestamp, HasTimestamp: true}
	r := NewRand(s.o.Seed^uint64(s.line)*0x9E3779B97F4A7C15, StreamPrompt) // the line's own draws
	var err error
	switch {
	case j.InputLength != nil && len(j.HashIDs) > 0 && j.TextInput == nil && len(j.Messages) == 0:
		if *j.InputLength < 1 || *j.InputLength > MaxPromptTokens {
			return fail("input_length", fmt.Errorf("%d: must be 1 to %d tokens", *j.InputLength, MaxPromptTokens))
		}
		t.Text, err = derivedHashPrompt(s.gen, s.o.Seed, *j.InputLength, j.HashIDs, s.o.BlockSize)
		if err != nil {
			return fail("hash_ids", err)
		}
	default:
		if field, err := traceText(&t, s.gen, r, nil, s.o.BlockSize, j.InputLength, j.TextInput, j.HashIDs, len(j.Messages) > 0); err != nil {
			return fail(field, err)
		}
	}
	switch {
	case j.OutputLength != nil && (*j.OutputLength < 1 || *j.OutputLength > MaxPromptTokens):
		return fail("output_length", fmt.Errorf("%d: must be 1 to %d tokens", *j.OutputLength, MaxPromptTokens))
	case j.OutputLength != nil:
		t.MaxTokens = *j.OutputLength
	case s.o.MaxTokens != nil:
		t.MaxTokens = s.o.MaxTokens()
	}
	t.Tokens = s.tok.Count(t.Text)
	return s.request1(fmt.Sprintf("line-%d", s.line), t), nil
}

// request1 is a one-request conversation, its model the next of --model
// by line (round robin).
func (s *TraceStream) request1(id string, t Turn) Conversation {
	if models := s.o.Models; len(models) > 0 {
		t.Model = models[(s.line-1)%len(models)]
	}
	return Conversation{ID: id, Turns: []Turn{t}, Standalone: true}
}

// derivedHashPrompt is hashPrompt with each block's start in the corpus
// drawn from the seed and its hash id: no table of blocks to keep.
func derivedHashPrompt(gen *PromptGen, seed uint64, L int, ids []int64, B int) (string, error) {
	sizes, err := HashBlockSizes(L, len(ids), B)
	if err != nil {
		return "", err
	}
	n := len(gen.corpusIDs())
	all := make([]int, 0, L)
	for i, h := range ids {
		start := rand.New(rand.NewPCG(seed, uint64(h))).IntN(n)
		all = gen.take(start, sizes[i], all)
	}
	return gen.tok.Decode(all), nil
}

// Streamable reports whether a file streams: a mooncake trace whose first
// line is one timestamped request without a session, or a BurstGPT CSV.
func Streamable(o FileOptions) (bool, string) {
	if o.Type != "mooncake_trace" && o.Type != "burst_gpt_trace" {
		return false, "only a mooncake_trace or a burst_gpt_trace streams"
	}
	s, err := OpenTraceStream(o)
	if err != nil {
		return false, err.Error()
	}
	defer s.Close()
	if _, err := s.Next(); err != nil && !errors.Is(err, io.EOF) {
		return false, err.Error()
	}
	return true, ""
}

// Prefetched reads a stream ahead on a goroutine of its own, depth
// requests at most, each passed through prep (the run's own touches:
// speedup, cache bust) before it is queued; the sending side takes them in
// order and never waits on the file.
type Prefetched struct {
	ch      chan Conversation
	stop    chan struct{}
	done    chan struct{}
	err     error
	reached bool // the taker reached the end (or the bad line)
}

// Prefetch starts reading s ahead; Close stops it and closes s.
func Prefetch(s *TraceStream, depth int, prep func(c *Conversation)) *Prefetched {
	p := &Prefetched{ch: make(chan Conversation, depth), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer close(p.ch)
		defer s.Close()
		for {
			c, err := s.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					p.err = err
				}
				return
			}
			if prep != nil {
				prep(&c)
			}
			select {
			case p.ch <- c:
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

// Next is the next request, false at the end of the trace (or at a bad
// line: Close says which).
func (p *Prefetched) Next() (*Conversation, bool) {
	c, ok := <-p.ch
	if !ok {
		p.reached = true
		return nil, false
	}
	return &c, true
}

// Close stops the reading and returns the error the trace ended on, if
// the taker got that far: a bad line read ahead of a run that stopped
// before it (its duration, its budget) is no error of the run's.
func (p *Prefetched) Close() error {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
	if !p.reached {
		return nil
	}
	return p.err
}

// burstHeader reads a BurstGPT CSV's header.
func (s *TraceStream) burstHeader() (err error) {
	s.csv, s.col, err = burstReader(s.rd, s.o.Path)
	s.line = 1
	return err
}

// nextBurst is a BurstGPT row's request: synthetic text of its request
// tokens, its response tokens asked for, at its time (seconds); rows of a
// failed request (no tokens) are skipped, as a whole read skips them.
func (s *TraceStream) nextBurst() (Conversation, error) {
	for {
		row, err := s.csv.Read()
		if errors.Is(err, io.EOF) {
			return Conversation{}, io.EOF
		}
		s.line++
		if err != nil {
			return Conversation{}, fmt.Errorf("%s:%d: %v", s.o.Path, s.line, err)
		}
		ts, in, out, err := burstRow(s.o.Path, s.line, row, s.col)
		switch {
		case err != nil:
			return Conversation{}, err
		case in < 1 || out < 1:
			continue // a failed request in the trace: nothing to replay
		case ts*1000 < s.last:
			return Conversation{}, &LineError{s.o.Path, s.line, "Timestamp", fmt.Errorf("%g s comes before the row above: a streamed trace goes in time order (sort it, or --input-streaming never)", ts)}
		}
		ts *= 1000
		s.last = ts
		t := Turn{MaxTokens: out, Timestamp: ts, HasTimestamp: true}
		r := NewRand(s.o.Seed^uint64(s.line)*0x9E3779B97F4A7C15, StreamPrompt)
		if t.Text, err = s.gen.Prompt(r, in); err != nil {
			return Conversation{}, err
		}
		t.Tokens = s.tok.Count(t.Text)
		return s.request1(fmt.Sprintf("row-%d", s.line), t), nil
	}
}
