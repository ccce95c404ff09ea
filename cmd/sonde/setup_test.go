package main

import (
	"testing"

	"github.com/alecthomas/kong"
)

// The flags given are known by their canonical names, aliases included,
// and only they count: defaults do not.
func TestGivenFlags(t *testing.T) {
	var c cli
	parser, err := kong.New(&c, serveVars())
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := parser.Parse([]string{"profile", "-m", "m", "--artifact-dir", "x", "--request-rate-mode", "constant"})
	if err != nil {
		t.Fatal(err)
	}
	g := givenFlags(ctx)
	if !g["output-artifact-dir"] || !g["arrival-pattern"] || g["conversation-context-mode"] || g["url"] {
		t.Fatalf("given %v", g)
	}
}
