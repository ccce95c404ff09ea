package openai

import (
	"encoding/json"
	"testing"
)

// Cached and reasoning tokens are known only when the server sends them.
func TestUsageDetails(t *testing.T) {
	var u Usage
	if err := json.Unmarshal([]byte(`{"prompt_tokens": 10, "completion_tokens": 5,
		"prompt_tokens_details": {"cached_tokens": 8}, "completion_tokens_details": {"reasoning_tokens": 2}}`), &u); err != nil {
		t.Fatal(err)
	}
	if c, ok := u.Cached(); !ok || c != 8 {
		t.Errorf("cached %d %v", c, ok)
	}
	if r, ok := u.Reasoning(); !ok || r != 2 {
		t.Errorf("reasoning %d %v", r, ok)
	}
	var none Usage
	if _, ok := none.Cached(); ok {
		t.Error("cached tokens the server did not send")
	}
	if _, ok := none.Reasoning(); ok {
		t.Error("reasoning tokens the server did not send")
	}
}
