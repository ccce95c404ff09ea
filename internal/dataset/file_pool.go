package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// loadRandomPool reads one pool per file (a file, or every file of a
// directory) and composes Entries single-turn conversations, each drawing
// one entry from every pool with replacement and joining their texts.
func loadRandomPool(o FileOptions) ([]Conversation, error) {
	files := []string{o.Path}
	if st, err := os.Stat(o.Path); err != nil {
		return nil, fmt.Errorf("--input-file: %w", err)
	} else if st.IsDir() {
		entries, err := os.ReadDir(o.Path)
		if err != nil {
			return nil, fmt.Errorf("--input-file: %w", err)
		}
		files = files[:0]
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(o.Path, e.Name()))
			}
		}
		sort.Strings(files)
	}
	var pools [][]Turn
	for _, f := range files {
		fo := o
		fo.Path = f
		convs, err := loadSingleTurn(fo)
		if err != nil {
			return nil, err
		}
		if len(convs) == 0 {
			return nil, fmt.Errorf("%s: the pool is empty", f)
		}
		pool := make([]Turn, len(convs))
		for i := range convs {
			pool[i] = convs[i].Turns[0]
		}
		pools = append(pools, pool)
	}
	if len(pools) == 0 {
		return nil, fmt.Errorf("--input-file %s: no pool files", o.Path)
	}
	r := NewRand(o.Seed, StreamSampler+7)
	convs := make([]Conversation, max(o.Entries, 1))
	for i := range convs {
		var texts []string
		t := Turn{}
		for _, pool := range pools {
			pick := pool[r.IntN(len(pool))]
			texts = append(texts, pick.Text)
			t.Extra = append(t.Extra, pick.Extra...)
			t.MaxTokens = max(t.MaxTokens, pick.MaxTokens)
		}
		t.Text = strings.Join(texts, "\n")
		t.Tokens = len(o.Tok.Encode(t.Text))
		convs[i] = Conversation{ID: fmt.Sprintf("pool-%d", i), Turns: []Turn{t}}
	}
	return convs, nil
}
