// Package httpapi serves a sim.Engine over the HTTP APIs inference servers
// speak: OpenAI chat, completions, Responses and embeddings, Anthropic
// Messages, TGI generate, and the NIM, TEI and Cohere rerankers (streaming
// where the API streams), plus /v1/models, /health, vLLM's /metrics and
// /reset_prefix_cache and /start_profile and /stop_profile, with optional API-key checks and injected faults.
package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
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
	opts    sim.Options
	engine  sim.Engine
	prompts *promptTokens
	metrics *promMetrics
	gpus    *simGPUs // nil without --gpus
	tracer  *tracer  // nil without otlp-traces-endpoint
	start   time.Time

	requests   atomic.Int64
	inFlight   atomic.Int64
	maxIn      atomic.Int64
	prefilling atomic.Int64 // arrived, first token not yet sent
	maxPrefill atomic.Int64
	conns      atomic.Int64 // TCP connections accepted
	profiling  atomic.Bool  // between POST /start_profile and /stop_profile

	answers  *answerKey     // --answer-key; nil without
	history  *responseStore // the Responses API's stored answers
	pictures sync.Map       // [2]int size → a generated image's base64 PNG
	videos   videoJobs      // /v1/videos jobs

	recMu sync.Mutex
	rec   *bufio.Writer
	recF  *os.File
}

// New builds a server and its engine from options.
func New(opts sim.Options, tok tokenizer.Tokenizer) (*Server, error) {
	eng, err := sim.New(opts, tok)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, engine: eng, prompts: newPromptTokens(tok), start: time.Now(), history: newResponseStore(maxStoredResponses)}
	if s.answers, err = loadAnswerKey(opts.Output.AnswerKey); err != nil {
		eng.Close()
		return nil, err
	}
	s.metrics = newPromMetrics(opts.Model, eng)
	if opts.GPUs > 0 {
		s.gpus = newSimGPUs(opts.GPUs, opts.Model, eng)
	}
	if opts.TracesEndpoint != "" {
		if s.tracer, err = newTracer(opts.TracesEndpoint, opts.Model); err != nil {
			eng.Close()
			return nil, err
		}
	}
	if opts.RecordPath != "" {
		f, err := os.Create(opts.RecordPath)
		if err != nil {
			eng.Close()
			return nil, fmt.Errorf("sim record file: %w", err)
		}
		s.recF, s.rec = f, bufio.NewWriterSize(f, 64<<10)
	}
	return s, nil
}

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/images/generations", s.imageGen)
	mux.HandleFunc("POST /v1/images/edits", s.imageEdit)
	mux.HandleFunc("POST /v1/videos", s.videoCreate)
	mux.HandleFunc("GET /v1/videos/{id}", s.videoStatus)
	mux.HandleFunc("GET /v1/videos/{id}/content", s.videoContent)
	for path, a := range map[string]api{"/v1/chat/completions": apiChat, "/v1/completions": apiCompletions,
		"/v1/responses": apiResponses, "/v1/messages": apiMessages, "/generate": apiTGI, "/generate_stream": apiTGI,
		"/rag/api/prompt": apiSolido, "/v1/audio/transcriptions": apiTranscription} {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, a) })
	}
	for path, k := range map[string]poolKind{"/v1/embeddings": poolEmbeddings, "/v1/ranking": poolNIMRanking,
		"/rerank": poolTEIRanking, "/v2/rerank": poolCohereRanking, "/v1/infer": poolImageRetrieval} {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) { s.pool(w, r, k) })
	}
	mux.HandleFunc("GET /v1/models", s.models)
	// vLLM's /version: what a client records to tell servers apart.
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"version": "sonde-sim/" + s.opts.Engine})
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Stats()) })
	mux.Handle("GET /metrics", s.metrics.handler())
	if s.gpus != nil {
		mux.Handle("GET /dcgm/metrics", s.gpus.handler())
	}
	// vLLM answers 200 whether or not it has a prefix cache to reset (it
	// only logs a warning), so a client's --reset-kv-cache works against
	// either engine.
	mux.HandleFunc("POST /reset_prefix_cache", func(w http.ResponseWriter, r *http.Request) {
		s.engine.ResetPrefixCache()
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("POST /endpoints/{name}/invocations", func(w http.ResponseWriter, r *http.Request) { s.sageMaker(w, r, false) })
	mux.HandleFunc("POST /endpoints/{name}/invocations-response-stream", func(w http.ResponseWriter, r *http.Request) { s.sageMaker(w, r, true) })
	mux.HandleFunc("POST /start_profile", func(w http.ResponseWriter, r *http.Request) { s.profile(w, true) })
	mux.HandleFunc("POST /stop_profile", func(w http.ResponseWriter, r *http.Request) { s.profile(w, false) })
	return s.gate(mux)
}

// profile starts or stops the profiler that vLLM and SGLang serve (their
// torch profiler): here it marks the requests that arrive while it runs
// (the record file's "profiled"), so a client can check that its window
// held exactly its profiling phase. Starting it twice, or stopping it when
// it is not running, is an error, as the torch profiler's.
func (s *Server) profile(w http.ResponseWriter, start bool) {
	if !s.profiling.CompareAndSwap(!start, start) {
		state := map[bool]string{true: "already running", false: "not running"}[start]
		writeError(w, http.StatusBadRequest, "the profiler is "+state, "BadRequestError")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// gate answers 503 until the server is ready, checks the API key on /v1
// (x-api-key also counts on Anthropic's /v1/messages) and, as Anthropic
// does, the anthropic-version header.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := s.opts.Faults.ReadyDelay; d > 0 && time.Since(s.start) < d && r.URL.Path != "/stats" {
			writeError(w, http.StatusServiceUnavailable, "the server is starting up", "ServiceUnavailableError")
			return
		}
		if s.opts.APIKey != "" && needsKey(r.URL.Path) && r.Header.Get("Authorization") != "Bearer "+s.opts.APIKey &&
			(r.URL.Path != "/v1/messages" || r.Header.Get("X-Api-Key") != s.opts.APIKey) {
			writeError(w, http.StatusUnauthorized, "Unauthorized", "AuthenticationError")
			return
		}
		if r.URL.Path == "/v1/messages" && r.Header.Get("Anthropic-Version") == "" {
			writeError(w, http.StatusBadRequest, "anthropic-version: header is required", "invalid_request_error")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// needsKey reports the routes --api-key protects: the OpenAI and Anthropic
// ones under /v1, and TGI's and TEI's inference routes.
func needsKey(path string) bool {
	switch path {
	case "/generate", "/generate_stream", "/rerank":
		return true
	}
	return strings.HasPrefix(path, "/v1/")
}

// Serve listens on addr until ctx ends; ready receives the bound address.
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	defer s.engine.Close()
	if s.gpus != nil {
		go s.gpus.run(ctx)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sim: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 30 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		}}
	errc := make(chan error, 2)
	if s.gpus != nil && s.opts.DCGMPort > 0 {
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		dln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(s.opts.DCGMPort)))
		if err != nil {
			ln.Close()
			return fmt.Errorf("sim: --dcgm-port: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.gpus.handler())
		dcgm := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
		go func() { errc <- dcgm.Serve(dln) }()
		defer dcgm.Close()
	}
	if ready != nil {
		ready(ln.Addr())
	}
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
	if s.tracer != nil {
		s.tracer.close() // best effort: the spans are the collector's to miss; a second close does nothing
	}
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
	Requests      int64 `json:"requests"`
	MaxInFlight   int64 `json:"max_in_flight"`
	MaxPrefilling int64 `json:"max_prefilling"` // most requests waiting for their first token at once
	Connections   int64 `json:"connections"`    // TCP connections accepted
	sim.Stats
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	return Stats{Requests: s.requests.Load(), MaxInFlight: s.maxIn.Load(), MaxPrefilling: s.maxPrefill.Load(),
		Connections: s.conns.Load(), Stats: s.engine.Stats()}
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data": []map[string]any{{"id": s.opts.Model, "object": "model", "created": s.start.Unix(), "owned_by": "sonde",
			"max_model_len": s.opts.MaxModelLen}},
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// writeError sends an OpenAI-format error body.
func writeError(w http.ResponseWriter, code int, msg, typ string) {
	writeJSON(w, code, openai.ErrorResponse{Error: openai.ErrorBody{Message: msg, Type: typ, Code: code}})
}

// record is one line of the request record file.
type record struct {
	ReceivedNs int64 `json:"received_ns"` // since the server started
	FinishedNs int64 `json:"finished_ns"`
	// Wall-clock (Unix ns) stamps, comparable with a client's on the same
	// machine: the handler's start, just before the first token's write,
	// and the end. A client's TTFT can be checked against them exactly.
	ReceivedUnixNs   int64             `json:"received_unix_ns"`
	FirstTokenUnixNs int64             `json:"first_token_unix_ns,omitempty"`
	FinishedUnixNs   int64             `json:"finished_unix_ns"`
	Path             string            `json:"path"`
	CorrelationID    string            `json:"correlation_id"`
	RequestID        string            `json:"request_id"`
	TraceParent      string            `json:"traceparent,omitempty"`
	RemoteAddr       string            `json:"remote_addr"`
	Headers          map[string]string `json:"headers"` // every X-* header
	Status           int               `json:"status"`
	Fault            string            `json:"fault,omitempty"`
	Body             json.RawMessage   `json:"body"`
	Response         string            `json:"response"` // the answer text sent
	TokensSent       int               `json:"tokens_sent"`
	PromptTokens     int               `json:"prompt_tokens"`
	CachedTokens     int               `json:"cached_tokens"`
	Profiled         bool              `json:"profiled,omitempty"` // arrived while the profiler ran
	Answered         string            `json:"answered,omitempty"` // --answer-key: "right" or "wrong"
}

func (s *Server) writeRecord(rec *record) {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if s.rec == nil {
		return
	}
	b, _ := json.Marshal(rec)
	s.rec.Write(b)
	s.rec.WriteByte('\n')
}

// Open builds a server from options alone, resolving its tokenizer offline:
// the simulator never downloads (builtin, a local file, or the HF cache).
func Open(opts sim.Options) (*Server, error) {
	offline := func(k string) string {
		if k == "HF_HUB_OFFLINE" {
			return "1"
		}
		return os.Getenv(k)
	}
	res, err := tokenizer.Resolve(tokenizer.ResolveOptions{Name: opts.Tokenizer, Explicit: true, Getenv: offline})
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	return New(opts, res.Tokenizer)
}
