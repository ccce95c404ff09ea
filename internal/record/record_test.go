package record

import (
	"slices"
	"testing"
)

// AIPerf's validity: no error, a response, ordered positive timestamps.
func TestValid(t *testing.T) {
	ok := Record{StartNs: 1, EndNs: 10, Responses: []Response{{Ns: 5}}}
	if !ok.Valid() {
		t.Fatal("a complete record is not valid")
	}
	for name, r := range map[string]Record{
		"an error":          {StartNs: 1, EndNs: 10, Responses: []Response{{Ns: 5}}, Error: &Error{Type: "X"}},
		"no response":       {StartNs: 1, EndNs: 10},
		"ends before start": {StartNs: 10, EndNs: 10, Responses: []Response{{Ns: 5}}},
		"a zero timestamp":  {StartNs: 1, EndNs: 10, Responses: []Response{{Ns: 0}}},
	} {
		if r.Valid() {
			t.Errorf("%s is valid", name)
		}
	}
	if e := (&Error{Code: 500, Type: "Internal Server Error", Message: "boom"}); e.Error() != "Internal Server Error: boom" {
		t.Errorf("%q", e.Error())
	}
}

// Texts cuts each response's texts from the record's, in order, and stops
// at lengths the texts do not have.
func TestTexts(t *testing.T) {
	r := &Record{Output: " a bc", ReasoningText: "r", ToolArgs: "{}", Responses: []Response{
		{Ns: 1, Reasoning: 1}, {Ns: 2, Content: 2}, {Ns: 3}, {Ns: 4, Content: 3, Tool: 2}, {Ns: 5, Content: 1}}}
	var got []ResponseText
	for i, text := range r.Texts() {
		if i != len(got) {
			t.Fatalf("index %d after %d", i, len(got))
		}
		got = append(got, text)
	}
	want := []ResponseText{{Reasoning: "r"}, {Content: " a"}, {}, {Content: " bc", Tool: "{}"}}
	if !slices.Equal(got, want) {
		t.Fatalf("texts %q, want %q (the last response runs past the output)", got, want)
	}
	for i := range r.Texts() {
		if i > 0 {
			t.Fatal("the loop went on after break")
		}
		break
	}
	r.Responses[1].Content = -1 // not a length: nothing cut from there on
	n := 0
	for range r.Texts() {
		n++
	}
	if n != 1 {
		t.Fatalf("%d texts cut with a negative length among them", n)
	}
}
