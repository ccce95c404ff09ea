package tokenizer

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// fakeHub imitates the Hub's URLs on a loopback port: a public repo, a
// gated one, a search API with an ambiguous name.
func fakeHub(t *testing.T) (*httptest.Server, *[]string) {
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/Org/Tiny/resolve/main/tokenizer.json", "/Org/Tiny/resolve/v2/tokenizer.json":
			w.Header().Set("X-Repo-Commit", "abc123")
			fmt.Fprint(w, tinyTokenizer)
		case "/Org/Tiny/resolve/abc123/tokenizer_config.json":
			fmt.Fprint(w, `{"chat_template": "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"}`)
		case "/Org/Gated/resolve/main/tokenizer.json":
			http.Error(w, "Access to model Org/Gated is restricted", http.StatusUnauthorized)
		case "/api/models":
			switch r.URL.Query().Get("search") {
			case "Tiny":
				fmt.Fprint(w, `[{"id": "Org/Tiny", "downloads": 10}, {"id": "Org/TinyChat", "downloads": 99}]`)
			case "Twin":
				fmt.Fprint(w, `[{"id": "A/Twin", "downloads": 10}, {"id": "B/Twin", "downloads": 20}]`)
			default:
				fmt.Fprint(w, `[]`)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &auth
}

func TestHubDownloadSearchAndErrors(t *testing.T) {
	srv, auth := fakeHub(t)
	cache := t.TempDir()
	vars := map[string]string{"HF_ENDPOINT": srv.URL, "HF_HUB_CACHE": cache, "HF_TOKEN": "hf_secret", "XDG_CACHE_HOME": t.TempDir()}
	getenv := func(k string) string { return vars[k] }

	r, err := Resolve(ResolveOptions{Name: "Org/Tiny", Explicit: true, Getenv: getenv})
	if err != nil || r.Tokenizer.VocabSize() != 3 {
		t.Fatalf("download: %+v %v", r, err)
	}
	if _, err := os.Stat(cache + "/models--Org--Tiny/snapshots/abc123/tokenizer.json"); err != nil {
		t.Fatal("not stored in the Hugging Face cache layout")
	}
	// The chat template comes along, for --apply-chat-template.
	if ct, err := LoadChatTemplate(r.Path); err != nil {
		t.Fatalf("chat template not cached beside the tokenizer: %v", err)
	} else if s, _ := ct.Render([]ChatMessage{{"user", "hi"}}, true); s != "<user>hi" {
		t.Fatalf("cached chat template renders %q", s)
	}
	if (*auth)[0] != "Bearer hf_secret" {
		t.Fatalf("HF_TOKEN not sent: %q", (*auth)[0])
	}
	// Now cached: works offline.
	vars["HF_HUB_OFFLINE"] = "1"
	if _, err := Resolve(ResolveOptions{Name: "Org/Tiny", Explicit: true, Getenv: getenv}); err != nil {
		t.Fatalf("offline from cache: %v", err)
	}
	if _, err := Resolve(ResolveOptions{Name: "Org/Other", Explicit: true, Getenv: getenv}); err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Fatalf("offline miss: %v", err)
	}
	delete(vars, "HF_HUB_OFFLINE")

	if _, err := Resolve(ResolveOptions{Name: "Org/Gated", Explicit: true, Getenv: getenv}); !errors.Is(err, ErrGated) {
		t.Fatalf("gated: %v", err)
	}
	if _, err := Resolve(ResolveOptions{Name: "Org/Nope", Explicit: true, Getenv: getenv}); !errors.Is(err, ErrMissing) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := Resolve(ResolveOptions{Name: "Twin", Explicit: true, Getenv: getenv}); !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "B/Twin, A/Twin") {
		t.Fatalf("ambiguous: %v", err)
	}
	vars["HF_HUB_CACHE"] = t.TempDir()
	if r, err := Resolve(ResolveOptions{Name: "Tiny", Explicit: true, Revision: "v2", Getenv: getenv}); err != nil || r.Tokenizer.VocabSize() != 3 {
		t.Fatalf("bare name: %v", err)
	}
	// Not explicit (the model name): a failure falls back, saying why.
	r, err = Resolve(ResolveOptions{Name: "Org/Gated", Getenv: getenv})
	if err != nil || !strings.Contains(r.Fallback, "gated") {
		t.Fatalf("fallback: %+v %v", r, err)
	}
}
