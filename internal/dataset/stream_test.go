package dataset

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// A streamed trace: requests one at a time, prompts from hash blocks
// derived from the seed and id alone (a shared id, a shared prefix, in
// any order), every bad line named; the prefetcher hands them over in
// order and reports the error the trace ended on.
func TestTraceStream(t *testing.T) {
	path := writeFile(t, "s.jsonl", `{"timestamp": 0, "input_length": 40, "output_length": 3, "hash_ids": [7, 8]}

{"timestamp": 5, "input_length": 40, "hash_ids": [7, 9]}
{"timestamp": 9, "text_input": "literal"}
`)
	o := opts(t, path, "mooncake_trace")
	o.BlockSize = 32
	o.MaxTokens = func() int { return 11 }
	s, err := OpenTraceStream(o)
	if err != nil {
		t.Fatal(err)
	}
	var got []Conversation
	for {
		c, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	s.Close()
	if len(got) != 3 || got[0].ID != "line-1" || got[1].ID != "line-3" || got[0].Turns[0].MaxTokens != 3 || got[1].Turns[0].MaxTokens != 11 || got[2].Turns[0].Text != "literal" {
		t.Fatalf("%+v", got)
	}
	a, b := got[0].Turns[0].Text, got[1].Turns[0].Text
	if a == b || a[:20] != b[:20] || !got[0].Standalone || got[0].Turns[0].Timestamp != 0 || got[1].Turns[0].Timestamp != 5 {
		t.Fatalf("a shared first block gives a shared prefix: %q vs %q", a, b)
	}
	for body, want := range map[string]string{
		`{"timestamp": 5, "input_length": 4}` + "\n" + `{"timestamp": 1, "input_length": 4}`: "s.jsonl:2: field \"timestamp\"",
		`{"session_id": "a", "timestamp": 0, "input_length": 4}`:                             "one request per line",
		`{"input_length": 4}`:                             "gives every line a timestamp",
		`{"timestamp": 0, "delay": 5, "input_length": 4}`: "times, not delays",
		`{"timestamp": 0, "input_length": 0}`:             "must be 1 to",
	} {
		o.Path = writeFile(t, "s.jsonl", body)
		p, err := OpenTraceStream(o)
		if err != nil {
			t.Fatal(err)
		}
		pf := Prefetch(p, 4, nil)
		for _, ok := pf.Next(); ok; _, ok = pf.Next() {
		}
		if err := pf.Close(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", body, err, want)
		}
	}
	o.Path = writeFile(t, "s.jsonl", `{"timestamp": 0, "input_length": 4}`+"\n"+`{"timestamp": "x"}`)
	p, err := OpenTraceStream(o)
	if err != nil {
		t.Fatal(err)
	}
	pf := Prefetch(p, 4, nil)
	if _, ok := pf.Next(); !ok || pf.Close() != nil {
		t.Fatal("a run that stopped before the bad line ended on it")
	}
	if ok, why := Streamable(o); !ok {
		t.Fatalf("streamable: %s", why)
	}
	o.Type = "bailian_trace"
	if ok, _ := Streamable(o); ok {
		t.Fatal("a bailian trace streams")
	}
}
