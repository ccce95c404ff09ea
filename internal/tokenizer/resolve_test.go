package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	r, err := Resolve(ResolveOptions{Name: "builtin", Getenv: env(nil)})
	if err != nil || r.Fallback != "" {
		t.Fatalf("builtin: %+v %v", r, err)
	}
	r, err = Resolve(ResolveOptions{Name: "mock-model", Getenv: env(nil)})
	if err != nil || !strings.Contains(r.Fallback, "placeholder") {
		t.Fatalf("placeholder: %+v %v", r, err)
	}
	cache := t.TempDir()
	r, err = Resolve(ResolveOptions{Name: "Org/Missing", Getenv: env(map[string]string{"HF_HUB_CACHE": cache, "HF_HUB_OFFLINE": "1"})})
	if err != nil || !strings.Contains(r.Fallback, "not in the Hugging Face cache") {
		t.Fatalf("missing: %+v %v", r, err)
	}
	// A cached snapshot is found through refs/main.
	snap := filepath.Join(cache, "models--Org--Tiny", "snapshots", "abc123")
	os.MkdirAll(snap, 0o755)
	os.MkdirAll(filepath.Join(cache, "models--Org--Tiny", "refs"), 0o755)
	os.WriteFile(filepath.Join(cache, "models--Org--Tiny", "refs", "main"), []byte("abc123\n"), 0o644)
	os.WriteFile(filepath.Join(snap, "tokenizer.json"), []byte(tinyTokenizer), 0o644)
	r, err = Resolve(ResolveOptions{Name: "Org/Tiny", Getenv: env(map[string]string{"HF_HUB_CACHE": cache})})
	if err != nil || r.Fallback != "" || r.Tokenizer.VocabSize() != 3 {
		t.Fatalf("cached: %+v %v", r, err)
	}
	// An explicit local path that is broken is an error, not a fallback.
	bad := filepath.Join(t.TempDir(), "tokenizer.json")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	if _, err := Resolve(ResolveOptions{Name: bad, Getenv: env(nil)}); err == nil {
		t.Fatal("broken local tokenizer accepted")
	}
}

const tinyTokenizer = `{"added_tokens":[],"normalizer":null,"pre_tokenizer":null,"post_processor":null,"decoder":null,
"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}}`

func TestTinyBPE(t *testing.T) {
	tok, err := Parse([]byte(tinyTokenizer), "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("abab"); len(got) != 2 || got[0] != 2 {
		t.Fatalf("Encode(abab) = %v", got)
	}
	if _, err := Parse([]byte(`{"model":{"type":"WordPiece","vocab":{}}}`), "wp"); err == nil || !strings.Contains(err.Error(), "WordPiece") {
		t.Fatalf("unsupported model must be named: %v", err)
	}
}
