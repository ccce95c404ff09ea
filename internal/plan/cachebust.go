package plan

import (
	"fmt"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/tokenizer"
)

// ignoreTraceDelays drops a file's timestamps and think times
// (--ignore-trace-delays): turns go back to back at the load asked for.
// An explicit --fixed-schedule keeps them: it needs them.
func ignoreTraceDelays(p *config.Profile, convs []dataset.Conversation) {
	if !p.IgnoreTraceDelays || p.FixedSchedule {
		return
	}
	for i := range convs {
		for k := range convs[i].Turns {
			t := &convs[i].Turns[k]
			t.Timestamp, t.HasTimestamp, t.Delay = 0, false, 0
		}
	}
}

// cacheBust puts a marker unique to this run and conversation where
// --cache-bust says: a server's prefix cache cannot serve a prompt an
// earlier run sent, even with the same seed. A trace's requests each
// carry their whole prompt: every one is marked, as its own first turn.
// The run's nonce is fresh entropy; the rest of the prompts stay as the
// seed made them.
func cacheBust(p *config.Profile, convs []dataset.Conversation, tok tokenizer.Tokenizer) {
	b := newBuster(p, tok)
	for i := range convs {
		b.mark(&convs[i], i)
	}
}

// buster marks conversations for --cache-bust with one run's nonce.
type buster struct {
	where string
	nonce uint64
	tok   tokenizer.Tokenizer
}

func newBuster(p *config.Profile, tok tokenizer.Tokenizer) *buster {
	return &buster{where: p.CacheBust, nonce: freshSeed(), tok: tok}
}

// mark puts conversation i's marker in place (nothing for "none").
func (b *buster) mark(c *dataset.Conversation, i int) {
	if b.where == "" || b.where == "none" || len(c.Turns) == 0 {
		return
	}
	marker := fmt.Sprintf("[run %x conversation %d]", b.nonce, i)
	switch b.where {
	case "system_prefix", "system_suffix":
		c.System = join(marker, c.System, b.where == "system_prefix")
		c.SystemTokens = len(b.tok.Encode(c.System))
		return
	}
	marked := c.Turns[:1]
	if c.Standalone {
		marked = c.Turns // each request is a whole prompt, its own first turn
	}
	for k := range marked {
		t := &marked[k]
		t.Text = join(marker, t.Text, b.where == "first_turn_prefix")
		t.Tokens = len(b.tok.Encode(t.Text))
		if b.where == "first_turn_prefix" {
			t.Prefix, t.PrefixTokens = "", 0 // a pooled prefix no longer starts the prompt: no cache can serve it
		}
	}
}

// join puts marker before or after text, a space between them.
func join(marker, text string, before bool) string {
	switch {
	case text == "":
		return marker
	case before:
		return marker + " " + text
	}
	return text + " " + marker
}
