// Package httpapi serves a sim.Engine over OpenAI-compatible HTTP: chat and
// completions, streaming (SSE) or not, /v1/models and /health.
package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// Server is a simulated OpenAI-compatible server.
type Server struct {
	opts   sim.Options
	engine sim.Engine
	tok    tokenizer.Tokenizer
	counts *tokenCounter
	start  time.Time

	requests atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64

	recMu sync.Mutex
	rec   *bufio.Writer
	recF  *os.File
}

// New builds a server from options with the fixed-latency engine.
func New(opts sim.Options, tok tokenizer.Tokenizer) (*Server, error) {
	eng, err := sim.NewFixed(opts.TTFT, opts.ITL, opts.Seed, tok)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, engine: eng, tok: tok, counts: newTokenCounter(tok), start: time.Now()}
	if opts.RecordPath != "" {
		f, err := os.Create(opts.RecordPath)
		if err != nil {
			return nil, fmt.Errorf("sim record file: %w", err)
		}
		s.recF, s.rec = f, bufio.NewWriterSize(f, 64<<10)
	}
	return s, nil
}

// Handler routes the OpenAI-compatible API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, true) })
	mux.HandleFunc("POST /v1/completions", func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, false) })
	mux.HandleFunc("GET /v1/models", s.models)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Stats()) })
	return mux
}

// Serve listens on addr until ctx ends; ready receives the bound address.
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sim: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 30 * time.Second}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	return s.Close()
}

// Close flushes the request record file.
func (s *Server) Close() error {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if s.rec == nil {
		return nil
	}
	err := s.rec.Flush()
	if cerr := s.recF.Close(); err == nil {
		err = cerr
	}
	s.rec = nil
	return err
}

// Stats are the server's own counts, for tests and the serve command.
type Stats struct {
	Requests    int64 `json:"requests"`
	MaxInFlight int64 `json:"max_in_flight"`
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	return Stats{Requests: s.requests.Load(), MaxInFlight: s.maxIn.Load()}
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data":   []map[string]any{{"id": s.opts.Model, "object": "model", "created": s.start.Unix(), "owned_by": "sonde"}},
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, openai.ErrorResponse{Error: openai.ErrorBody{Message: msg, Type: "BadRequestError", Code: code}})
}

// record is one line of the request record file.
type record struct {
	ReceivedNs    int64           `json:"received_ns"`
	FinishedNs    int64           `json:"finished_ns"`
	Path          string          `json:"path"`
	CorrelationID string          `json:"correlation_id"`
	RequestID     string          `json:"request_id"`
	Status        int             `json:"status"`
	Body          json.RawMessage `json:"body"`
	Response      string          `json:"response"` // the answer text sent
	TokensSent    int             `json:"tokens_sent"`
}

func (s *Server) writeRecord(rec record) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if s.rec == nil {
		return
	}
	b, _ := json.Marshal(rec)
	s.rec.Write(b)
	s.rec.WriteByte('\n')
}

func (s *Server) generate(w http.ResponseWriter, r *http.Request, chat bool) {
	arrival := time.Now()
	s.requests.Add(1)
	n := s.inFlight.Add(1)
	for m := s.maxIn.Load(); n > m && !s.maxIn.CompareAndSwap(m, n); m = s.maxIn.Load() {
	}
	defer s.inFlight.Add(-1)

	body, err := io.ReadAll(r.Body)
	status := http.StatusOK
	var out responder
	if s.rec != nil {
		defer func() {
			raw := json.RawMessage(body)
			if !json.Valid(body) {
				raw, _ = json.Marshal(string(body))
			}
			s.writeRecord(record{
				ReceivedNs: arrival.Sub(s.start).Nanoseconds(), FinishedNs: time.Since(s.start).Nanoseconds(),
				Path: r.URL.Path, CorrelationID: r.Header.Get("X-Correlation-ID"), RequestID: r.Header.Get("X-Request-ID"),
				Status: status, Body: raw, Response: out.text.String(), TokensSent: out.sent,
			})
		}()
	}
	if err != nil {
		status = http.StatusBadRequest
		writeError(w, status, "reading body: "+err.Error())
		return
	}
	var req openai.Request
	if err := json.Unmarshal(body, &req); err != nil {
		status = http.StatusBadRequest
		writeError(w, status, "invalid JSON body: "+err.Error())
		return
	}
	prompt, err := promptText(&req, chat)
	if err != nil {
		status = http.StatusBadRequest
		writeError(w, status, err.Error())
		return
	}
	sreq := sim.Request{Prompt: prompt, Arrival: arrival}
	if chat {
		for _, m := range req.Messages {
			sreq.PromptTokens += s.counts.tokens(m.Content)
		}
	} else {
		sreq.PromptTokens = s.counts.tokens(prompt)
	}
	switch {
	case req.MaxCompletionTokens != nil:
		sreq.MaxTokens = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		sreq.MaxTokens = *req.MaxTokens
	}
	if req.MinTokens != nil {
		sreq.MinTokens = *req.MinTokens
	}
	if sreq.MaxTokens < 0 {
		status = http.StatusBadRequest
		writeError(w, status, "max_tokens must be at least 0")
		return
	}
	model := req.Model
	if model == "" {
		model = s.opts.Model
	}
	stream := s.engine.Start(sreq)
	out = responder{w: w, chat: chat, model: model, id: fmt.Sprintf("cmpl-%d", s.requests.Load()), created: arrival.Unix(), record: s.rec != nil}
	if req.Stream {
		includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
		out.stream(r.Context(), stream, sreq.PromptTokens, includeUsage)
		return
	}
	out.whole(r.Context(), stream, sreq.PromptTokens)
}

// promptText is the text a request asks about: chat messages joined, or the
// completions prompt (a string or a list of strings).
func promptText(req *openai.Request, chat bool) (string, error) {
	if chat {
		if len(req.Messages) == 0 {
			return "", fmt.Errorf("messages must not be empty")
		}
		parts := make([]string, len(req.Messages))
		for i, m := range req.Messages {
			parts[i] = m.Role + ": " + m.Content
		}
		return strings.Join(parts, "\n"), nil
	}
	if len(req.Prompt) == 0 {
		return "", fmt.Errorf("prompt is required")
	}
	var s string
	if err := json.Unmarshal(req.Prompt, &s); err == nil {
		return s, nil
	}
	var list []string
	if err := json.Unmarshal(req.Prompt, &list); err != nil || len(list) == 0 {
		return "", fmt.Errorf("prompt must be a string or a non-empty list of strings")
	}
	return strings.Join(list, ""), nil
}
