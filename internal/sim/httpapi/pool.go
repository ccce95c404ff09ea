package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/sonde-bench/sonde/internal/openai"
	"github.com/sonde-bench/sonde/internal/sim"
)

// poolKind is an API that reads its inputs without generating: embeddings
// and rerankers (pooling models, in vLLM's words).
type poolKind int

const (
	poolEmbeddings poolKind = iota
	poolNIMRanking
	poolTEIRanking
	poolCohereRanking
	poolImageRetrieval // NIM image retrieval: one input per image
)

// poolInput is one input a pooling request reads: texts joined, or an
// image (a NIM retrieval model's page).
type poolInput struct {
	texts []string
	image string // a data URL
}

// embeddingDims is the length of the simulator's vectors: small, so that the
// client's cost of reading them stays low; their values are a hash.
const embeddingDims = 32

// pool answers an embeddings or ranking request. Every input (an
// embeddings text, a query-passage pair) is one prefill-only request to the
// same engine as generation, so it queues, batches and hits the prefix
// cache like one, and the answer comes when the last input is read.
func (s *Server) pool(w http.ResponseWriter, r *http.Request, k poolKind) {
	n, arrival, rec, body, err := s.begin(r)
	defer s.end(rec, arrival, body)
	if err != nil {
		badRequest(w, rec, "reading body: "+err.Error())
		return
	}
	model, inputs, msg := poolInputs(body, k)
	if msg != "" {
		badRequest(w, rec, msg)
		return
	}
	if model == "" {
		model = s.opts.Model
	}
	kind, answered := s.fault(w, rec, n)
	if answered {
		return
	}
	prompt, cached, scores, err := s.prefill(r.Context(), inputs, arrival)
	if err != nil {
		return // the client went away
	}
	rec.PromptTokens, rec.CachedTokens = prompt, cached
	out := &responder{w: w, fault: kind, stall: s.opts.Faults.Stall}
	switch kind {
	case sim.FaultDisconnect, sim.FaultStall:
		if !out.injectMidway(r.Context(), nil) {
			return
		}
	case sim.FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"object": "list", "data": [`))
		return
	}
	s.metrics.e2e.Observe(time.Since(arrival).Seconds())
	s.metrics.success.WithLabelValues("stop").Inc()
	s.metrics.promptTokens.Add(float64(prompt))
	usage := &openai.Usage{PromptTokens: prompt, TotalTokens: prompt, PromptTokensDetails: &openai.PromptTokensDetails{CachedTokens: cached}}
	writeJSON(w, http.StatusOK, poolAnswer(k, n, model, scores, usage))
}

// poolInputs reads the inputs a request asks about, each as the texts it
// joins: an embeddings text, a chat's messages, or a query with one passage
// (a cross-encoder reads the pair).
func poolInputs(body []byte, k poolKind) (model string, inputs []poolInput, msg string) {
	var req struct {
		Model     string            `json:"model"`
		Input     json.RawMessage   `json:"input"`
		Messages  []rawMessage      `json:"messages"`
		Query     json.RawMessage   `json:"query"`
		Passages  []json.RawMessage `json:"passages"`
		Texts     []string          `json:"texts"`
		Documents []json.RawMessage `json:"documents"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return "", nil, "invalid JSON body: " + err.Error()
	}
	if k == poolImageRetrieval {
		return retrievalInputs(req.Input)
	}
	if k == poolEmbeddings {
		if len(req.Messages) > 0 { // chat-format embeddings (vLLM)
			msgs, err := messagesOf(req.Messages)
			if err != nil {
				return "", nil, err.Error()
			}
			var parts []string
			for _, m := range msgs {
				parts = append(parts, m.Content)
			}
			return req.Model, []poolInput{{texts: parts}}, ""
		}
		var one string
		if json.Unmarshal(req.Input, &one) == nil {
			return req.Model, []poolInput{{texts: []string{one}}}, ""
		}
		var texts []string
		if err := json.Unmarshal(req.Input, &texts); err != nil || len(texts) == 0 {
			return "", nil, "input must be a string or a non-empty list of strings"
		}
		for _, t := range texts {
			inputs = append(inputs, poolInput{texts: []string{t}})
		}
		return req.Model, inputs, ""
	}
	query, err := textField(req.Query)
	if err != nil || query == "" {
		return "", nil, "query must be a non-empty string or {\"text\": …}"
	}
	docs := req.Documents
	if k == poolNIMRanking {
		docs = req.Passages
	}
	var passages []string
	for _, d := range docs {
		p, err := textField(d)
		if err != nil {
			return "", nil, "passages and documents must be strings or {\"text\": …}"
		}
		passages = append(passages, p)
	}
	if k == poolTEIRanking {
		passages = req.Texts
	}
	if len(passages) == 0 {
		return "", nil, "there must be at least one passage to rank"
	}
	for _, p := range passages {
		inputs = append(inputs, poolInput{texts: []string{query, p}})
	}
	return req.Model, inputs, ""
}

// textField reads a string or a {"text": …} object.
func textField(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var obj struct {
		Text string `json:"text"`
	}
	err := json.Unmarshal(raw, &obj)
	return obj.Text, err
}

// prefill runs every input through the engine as a one-token request and
// waits for all; scores are a deterministic hash of each input. An input's
// texts are encoded one by one, as a chat prompt's messages are, so its
// prompt tokens are the sum of the texts' (what sonde counts as ISL).
func (s *Server) prefill(ctx context.Context, inputs []poolInput, arrival time.Time) (prompt, cached int, scores []float64, err error) {
	streams := make([]sim.Stream, len(inputs))
	for i, in := range inputs {
		h := fnv.New64a()
		var ids []int32
		for _, text := range in.texts {
			io.WriteString(h, text)
			io.WriteString(h, "\n")
			ids = s.prompts.ids(text, ids)
		}
		if in.image != "" {
			io.WriteString(h, in.image)
			ids, _ = s.prompts.imageTokens(openai.Image{URL: in.image}, ids) // checked by retrievalInputs
		}
		req := sim.Request{PromptKey: h.Sum64(), PromptIDs: ids, MaxTokens: 1, IgnoreEOS: true, Arrival: arrival}
		req.PromptTokens = len(req.PromptIDs)
		prompt += req.PromptTokens
		streams[i] = s.engine.Start(req)
		scores = append(scores, float64(h.Sum64()%10000)/10000)
	}
	defer func() {
		for _, st := range streams {
			st.Close()
		}
	}()
	for _, st := range streams {
		if _, _, err := st.Next(ctx); err != nil {
			return 0, 0, nil, err
		}
		cached += st.CachedTokens()
	}
	return prompt, cached, scores, nil
}

// poolAnswer renders the answer in the API's shape.
func poolAnswer(k poolKind, n int64, model string, scores []float64, u *openai.Usage) any {
	type ranked struct {
		index int
		score float64
	}
	order := make([]ranked, len(scores))
	for i, x := range scores {
		order[i] = ranked{i, x}
	}
	sort.SliceStable(order, func(a, b int) bool { return order[a].score > order[b].score })
	switch k {
	case poolNIMRanking:
		out := make([]map[string]any, len(order))
		for i, r := range order {
			out[i] = map[string]any{"index": r.index, "logit": math.Log(r.score+1e-6) + 5}
		}
		return map[string]any{"rankings": out, "usage": u}
	case poolTEIRanking:
		out := make([]map[string]any, len(order))
		for i, r := range order {
			out[i] = map[string]any{"index": r.index, "score": r.score}
		}
		return out
	case poolImageRetrieval:
		out := make([]map[string]any, len(scores))
		for i, x := range scores {
			out[i] = map[string]any{"index": i, "bounding_boxes": map[string]any{"table": []map[string]float64{
				{"x_min": 0.1, "y_min": 0.1, "x_max": 0.9, "y_max": 0.5, "confidence": x}}}}
		}
		return map[string]any{"data": out, "usage": u}
	case poolCohereRanking:
		out := make([]map[string]any, len(order))
		for i, r := range order {
			out[i] = map[string]any{"index": r.index, "relevance_score": r.score}
		}
		return map[string]any{"id": fmt.Sprintf("rerank-%d", n), "results": out,
			"meta": map[string]any{"api_version": map[string]any{"version": "2"}, "billed_units": map[string]any{"search_units": 1}}}
	}
	data := make([]map[string]any, len(scores))
	for i, x := range scores {
		vec := make([]float64, embeddingDims)
		for j := range vec {
			vec[j] = math.Round(math.Sin(x*1000+float64(j))*1e4) / 1e4
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": vec}
	}
	return map[string]any{"object": "list", "data": data, "model": model, "usage": u}
}

// retrievalInputs reads a NIM image retrieval body: {"input": [{"type":
// "image_url", "url": <data URL>}, …]}, one input per image.
func retrievalInputs(raw json.RawMessage) (model string, inputs []poolInput, msg string) {
	var items []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
		return "", nil, "input must be a non-empty list of {\"type\": \"image_url\", \"url\": …}"
	}
	for i, it := range items {
		if it.Type != "image_url" || it.URL == "" {
			return "", nil, fmt.Sprintf("input %d: type image_url with a url is required", i)
		}
		if _, err := imageSize(it.URL); err != nil {
			return "", nil, fmt.Sprintf("input %d: %v", i, err)
		}
		inputs = append(inputs, poolInput{image: it.URL})
	}
	return "", inputs, ""
}
