package dataset

import (
	"strings"
	"testing"
)

const dagFile = `{"session_id": "root", "turns": [{"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "plan"}], "max_tokens": 8, "spawns": ["s1", "s2"], "extra_body": {"temperature": 0.5, "ignore_eos": true}}, {"messages": [{"role": "user", "content": "merge"}], "forks": ["f1"], "tools": [{"type": "function", "function": {"name": "grep"}}]}]}
{"session_id": "s1", "turns": [{"messages": [{"role": "user", "content": "search"}], "delay": 5}]}
{"session_id": "s2", "turns": [{"messages": [{"role": "user", "content": "read"}]}, {"messages": [{"role": "user", "content": "summarize"}]}]}
{"session_id": "f1", "turns": [{"messages": [{"role": "user", "content": "go on"}]}]}
{"session_id": "lone", "turns": [{"messages": [{"role": "user", "content": "hi"}]}]}
`

func TestDAGFile(t *testing.T) {
	o := opts(t, writeFile(t, "d.jsonl", dagFile), "dag_jsonl")
	convs, err := LoadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || convs[0].ID != "root" || convs[1].ID != "lone" {
		t.Fatalf("the roots: %+v", convs)
	}
	r := convs[0].Turns
	if len(r[0].Spawns) != 2 || r[0].Spawns[1].ID != "s2" || len(r[0].Spawns[1].Turns) != 2 || len(r[1].Forks) != 1 || r[1].Forks[0].ID != "f1" {
		t.Fatalf("the tree: %+v", r)
	}
	if len(r[0].Messages) != 2 || r[0].Messages[0].Role != "system" || r[0].MaxTokens != 8 || r[0].Model != "m" || r[0].Spawns[0].Turns[0].Model != "m" {
		t.Fatalf("turn 0: %+v", r[0])
	}
	if extra(r[0], "ignore_eos") != "true" || extra(r[0], "temperature") != "0.5" || !strings.Contains(extra(r[1], "tools"), "grep") {
		t.Fatalf("extra fields: %+v %+v", r[0].Extra, r[1].Extra)
	}
	if d := r[0].Spawns[0].Turns[0].Delay; d.Milliseconds() != 5 {
		t.Fatalf("delay %v", d)
	}
	if all := Flatten(convs); len(all) != 5 || all[1].ID != "s1" || all[3].ID != "f1" {
		t.Fatalf("flattened: %d", len(all))
	}
}

func TestDAGFileErrors(t *testing.T) {
	for content, want := range map[string]string{
		`{"session_id": "a", "turns": [{"messages": [{"role": "user", "content": "x"}], "max_token": 3}]}`:             `d.jsonl:1: json: unknown field "max_token"`,
		`{"turns": [{"messages": [{"role": "user", "content": "x"}]}]}`:                                                `d.jsonl:1: field "session_id"`,
		`{"session_id": "a", "turns": []}`:                                                                             `field "turns": a conversation needs at least one turn`,
		`{"session_id": "a", "turns": [{"messages": [{"content": "x"}]}]}`:                                             `field "turns.0.messages.0": a message is an object with a role`,
		`{"session_id": "a", "turns": [{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}]}`: `turns.0.messages.0.content`,
		`{"session_id": "a", "turns": [{"messages": [{"role": "user", "content": "x"}], "forks": ["zz"]}]}`:            `branch target "zz" is not declared`,
		"{\"session_id\": \"a\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}]}\n{\"session_id\": \"a\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}]}":                                                                                                                                             `d.jsonl:2: field "session_id": duplicate session_id "a" (first on line 1)`,
		"{\"session_id\": \"a\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"forks\": [\"b\"]}, {\"messages\": [{\"role\": \"user\", \"content\": \"y\"}]}]}\n{\"session_id\": \"b\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}]}":                                                             `turn 0 forks but has turns after it`,
		"{\"session_id\": \"a\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"forks\": [\"b\"]}]}\n{\"session_id\": \"b\", \"turns\": [{\"messages\": [{\"role\": \"system\", \"content\": \"x\"}]}]}":                                                                                                                       `session "b" turn 0 has a system message`,
		"{\"session_id\": \"a\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"spawns\": [\"b\"]}]}\n{\"session_id\": \"b\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"spawns\": [\"a\"]}]}":                                                                                                   `cycle`,
		"{\"session_id\": \"a\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"spawns\": [\"c\"]}]}\n{\"session_id\": \"b\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"spawns\": [\"c\"]}]}\n{\"session_id\": \"c\", \"turns\": [{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}]}": `session "c" is started by both "a" and "b"`,
	} {
		_, err := LoadFile(opts(t, writeFile(t, "d.jsonl", content), "dag_jsonl"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", content, err, want)
		}
	}
}
