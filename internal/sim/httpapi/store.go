package httpapi

import (
	"slices"
	"sync"

	"github.com/sonde-bench/sonde/internal/openai"
)

// maxStoredResponses bounds the Responses API's stored conversations; the
// oldest go first.
const maxStoredResponses = 100_000

// responseStore keeps each stored answer's whole conversation, so a request
// with previous_response_id continues it server-side (a real server's
// store:true), and its prompt (and prefix-cache hits) include the history.
type responseStore struct {
	mu    sync.Mutex
	max   int
	convs map[string][]openai.Message
	order []string
}

func newResponseStore(max int) *responseStore {
	return &responseStore{max: max, convs: map[string][]openai.Message{}}
}

// put stores the conversation that ended with answer under id, without its
// instructions (a system message first), which do not carry over.
func (s *responseStore) put(id string, prompt []openai.Message, answer string) {
	if len(prompt) > 0 && prompt[0].Role == "system" {
		prompt = prompt[1:]
	}
	conv := append(slices.Clip(prompt), openai.Message{Role: "assistant", Content: answer})
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) >= s.max {
		delete(s.convs, s.order[0])
		s.order = s.order[1:]
	}
	s.convs[id] = conv
	s.order = append(s.order, id)
}

// get returns a copy of the conversation stored under id.
func (s *responseStore) get(id string) ([]openai.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	conv, ok := s.convs[id]
	return slices.Clone(conv), ok
}
