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

// A BurstGPT CSV streams too: rows of failed requests skipped, times in
// seconds, a row going back in time named.
func TestBurstStream(t *testing.T) {
	o := opts(t, writeFile(t, "b.csv", "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,12,3,15,Conversation log\n6,ChatGPT,0,0,0,Conversation log\n7.5,GPT-4,20,4,24,API log\n"), "burst_gpt_trace")
	if ok, why := Streamable(o); !ok {
		t.Fatal(why)
	}
	s, err := OpenTraceStream(o)
	if err != nil {
		t.Fatal(err)
	}
	var got []Conversation
	for c, err := s.Next(); !errors.Is(err, io.EOF); c, err = s.Next() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	s.Close()
	if len(got) != 2 || got[0].Turns[0].Timestamp != 5000 || got[1].Turns[0].Timestamp != 7500 || got[1].Turns[0].MaxTokens != 4 || got[1].Turns[0].Tokens != 20 || got[1].ID != "row-4" {
		t.Fatalf("%+v", got)
	}
	o.Path = writeFile(t, "b.csv", "Timestamp,Request tokens,Response tokens\n9,5,5\n3,5,5\n")
	p, _ := OpenTraceStream(o)
	pf := Prefetch(p, 2, nil)
	for _, ok := pf.Next(); ok; _, ok = pf.Next() {
	}
	if err := pf.Close(); err == nil || !strings.Contains(err.Error(), "b.csv:3") {
		t.Fatalf("out of order: %v", err)
	}
	o.Path = writeFile(t, "b.csv", "Time,Tokens\n")
	if _, err := OpenTraceStream(o); err == nil || !strings.Contains(err.Error(), `needs the column "Timestamp"`) {
		t.Fatalf("a bad header: %v", err)
	}
}
