package corpus

import "testing"

func TestTextDeterministic(t *testing.T) {
	a, b := Text(7, 200), Text(7, 200)
	if a != b {
		t.Fatal("same seed gave different text")
	}
	if a == Text(8, 200) {
		t.Fatal("different seeds gave the same text")
	}
	if len(Words()) < 100 {
		t.Fatal("word list too short")
	}
}
