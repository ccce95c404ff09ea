package record

import "testing"

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
