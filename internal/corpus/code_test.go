package corpus

import (
	"strings"
	"testing"
)

// The coding corpus is deterministic for a seed and has each kind of
// text a coding agent's context holds.
func TestCodeCorpus(t *testing.T) {
	a := Code(3, 3000)
	if a != Code(3, 3000) || a == Code(4, 3000) {
		t.Fatal("not deterministic for a seed")
	}
	for _, want := range []string{"func ", "def ", "$ go test", `{"id": `, "Traceback (most recent call last)", "diff --git"} {
		if !strings.Contains(a, want) {
			t.Errorf("no %q in the corpus", want)
		}
	}
	if n := len(strings.Fields(a)); n < 3000 {
		t.Errorf("%d words, want 3000", n)
	}
	t.Log(a[:600])
}
