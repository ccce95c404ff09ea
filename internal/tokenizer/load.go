package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// fileJSON is the part of tokenizer.json that sonde reads.
type fileJSON struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         struct {
		Type         string            `json:"type"`
		Vocab        map[string]int    `json:"vocab"`
		Merges       []json.RawMessage `json:"merges"`
		UnkToken     *string           `json:"unk_token"`
		FuseUnk      bool              `json:"fuse_unk"`
		ByteFallback bool              `json:"byte_fallback"`
		IgnoreMerges bool              `json:"ignore_merges"`
		Prefix       *string           `json:"continuing_subword_prefix"`
		Suffix       *string           `json:"end_of_word_suffix"`
	} `json:"model"`
}

// component is the generic shape of a normalizer, pre-tokenizer or decoder.
type component struct {
	Type          string            `json:"type"`
	Normalizers   []json.RawMessage `json:"normalizers"`
	PreTokenizers []json.RawMessage `json:"pretokenizers"`
	Decoders      []json.RawMessage `json:"decoders"`
	Pattern       struct {
		Regex  *string `json:"Regex"`
		String *string `json:"String"`
	} `json:"pattern"`
	Content        string `json:"content"`
	Prepend        string `json:"prepend"`
	Behavior       string `json:"behavior"`
	Invert         bool   `json:"invert"`
	AddPrefixSpace bool   `json:"add_prefix_space"`
	UseRegex       bool   `json:"use_regex"`
	Start          int    `json:"start"`
	Stop           int    `json:"stop"`
	Replacement    string `json:"replacement"`
	PrependScheme  string `json:"prepend_scheme"`
	Single         []struct {
		SpecialToken *struct {
			ID string `json:"id"`
		} `json:"SpecialToken"`
		Sequence *struct{} `json:"Sequence"`
	} `json:"single"`
	SpecialTokens map[string]struct {
		IDs []int `json:"ids"`
	} `json:"special_tokens"`
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// Load reads a tokenizer from a tokenizer.json file, a gzipped one
// (tokenizer.json.gz), or a directory holding either.
func Load(path string) (*BPE, error) {
	path, data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// readFile reads a tokenizer.json (or .json.gz), or the one in a folder.
func readFile(path string) (string, []byte, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		for _, name := range []string{"tokenizer.json", "tokenizer.json.gz"} {
			if _, err := os.Stat(filepath.Join(path, name)); err == nil {
				return readFile(filepath.Join(path, name))
			}
		}
		return "", nil, fmt.Errorf("tokenizer: %s has no tokenizer.json", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("tokenizer: %w", err)
	}
	return path, data, nil
}

// Parse builds a tokenizer from the bytes of a tokenizer.json (plain or gzip).
func Parse(data []byte, name string) (*BPE, error) {
	t, _, err := parseFile(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", name, err)
	}
	t.name = name
	return t, nil
}

// parseFile decodes a tokenizer.json (plain or gzip) and builds its
// tokenizer; the file's decoded form comes too (Compile stores it).
func parseFile(data []byte) (*BPE, *fileJSON, error) {
	data, err := gunzipMaybe(data)
	if err != nil {
		return nil, nil, err
	}
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, nil, fmt.Errorf("not a tokenizer.json: %w", err)
	}
	t, err := build(&f)
	return t, &f, err
}

func build(f *fileJSON) (*BPE, error) {
	pairs := make([][2]string, len(f.Model.Merges))
	for i, raw := range f.Model.Merges {
		var pair []string
		if err := json.Unmarshal(raw, &pair); err == nil && len(pair) == 2 {
			pairs[i] = [2]string{pair[0], pair[1]}
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("merge %d: %s is neither \"a b\" nor [a, b]", i, raw)
		}
		left, right, ok := strings.Cut(s, " ")
		if !ok {
			return nil, fmt.Errorf("merge %d: %q has no space", i, s)
		}
		pairs[i] = [2]string{left, right}
	}
	m, err := newModel(f, vocabFromMap(f.Model.Vocab), len(pairs))
	if err != nil {
		return nil, err
	}
	for i, p := range pairs {
		if err := m.addMerge(p[0], p[1], i); err != nil {
			return nil, err
		}
	}
	return assemble(f, m)
}

// newModel sets up a BPE model over vocab (and its inverse, built here when
// nil); merges are added by the caller.
func newModel(f *fileJSON, vocab *vocabTable, merges int) (*bpeModel, error) {
	if f.Model.Type != "BPE" && f.Model.Type != "" {
		return nil, fmt.Errorf("model type %q is not supported (only BPE)", f.Model.Type)
	}
	if f.Model.Prefix != nil && *f.Model.Prefix != "" || f.Model.Suffix != nil && *f.Model.Suffix != "" {
		return nil, fmt.Errorf("BPE continuing_subword_prefix/end_of_word_suffix are not supported")
	}
	m := &bpeModel{
		vocab:        vocab,
		merges:       newMergeTable(merges),
		byteFallback: f.Model.ByteFallback,
		ignoreMerges: f.Model.IgnoreMerges,
		fuseUnk:      f.Model.FuseUnk,
		unkID:        -1,
	}
	m.size = vocab.size()
	for _, a := range f.AddedTokens {
		m.size = max(m.size, a.ID+1)
	}
	if f.Model.UnkToken != nil {
		if id, ok := m.vocab.get(*f.Model.UnkToken); ok {
			m.unkID = id
		}
	}
	for b := 0; b < 256; b++ {
		m.byteIDs[b] = -1
		if id, ok := m.vocab.get(fmt.Sprintf("<0x%02X>", b)); ok {
			m.byteIDs[b] = id
		}
	}
	return m, nil
}

// assemble adds the added tokens and the pipeline around the model.
func assemble(f *fileJSON, m *bpeModel) (*BPE, error) {
	added := make([]addedToken, 0, len(f.AddedTokens))
	for _, a := range f.AddedTokens {
		added = append(added, addedToken{id: a.ID, content: a.Content, special: a.Special})
	}
	t := &BPE{model: m, added: newAddedVocab(added)}
	var err error
	if t.normalizer, err = buildNormalizer(f.Normalizer); err != nil {
		return nil, err
	}
	if t.pre, err = buildPreTokenizer(f.PreTokenizer); err != nil {
		return nil, err
	}
	t.pre, m.byteLevel = deferByteLevel(t.pre)
	if t.decoder, err = buildDecoder(f.Decoder); err != nil {
		return nil, err
	}
	if t.prefix, t.suffix, err = buildPostProcessor(f.PostProcessor); err != nil {
		return nil, err
	}
	return t, nil
}

func buildNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch c.Type {
	case "NFC":
		return nfcNormalizer{}, nil
	case "NFKC":
		return nfkcNormalizer{}, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "Prepend":
		return prependNormalizer{prefix: c.Prepend}, nil
	case "Replace":
		if c.Pattern.String == nil {
			return nil, fmt.Errorf("normalizer Replace: only String patterns are supported")
		}
		return replaceNormalizer{old: *c.Pattern.String, new: c.Content}, nil
	case "Sequence":
		var seq sequenceNormalizer
		for _, r := range c.Normalizers {
			n, err := buildNormalizer(r)
			if err != nil {
				return nil, err
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		if len(seq) == 0 {
			return nil, nil
		}
		return seq, nil
	}
	return nil, fmt.Errorf("normalizer %q is not supported", c.Type)
}

// deferByteLevel moves a final ByteLevel step from the pre-tokenizer into the
// model, which then maps bytes to runes only for words its cache has not seen.
func deferByteLevel(p preTokenizer) (preTokenizer, bool) {
	switch q := p.(type) {
	case *byteLevelPreTokenizer:
		if q.addPrefixSpace {
			return p, false
		}
		if q.re != nil {
			return q.re, true
		}
		return noPreTokenizer{}, true
	case sequencePreTokenizer:
		if len(q) == 0 {
			return p, false
		}
		last, ok := q[len(q)-1].(*byteLevelPreTokenizer)
		if !ok || last.addPrefixSpace {
			return p, false
		}
		rest := append(sequencePreTokenizer{}, q[:len(q)-1]...)
		if last.re != nil {
			rest = append(rest, last.re)
		}
		if len(rest) == 1 {
			return rest[0], true // one stage: words straight from it
		}
		return rest, true
	}
	return p, false
}

func buildPreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if isNull(raw) {
		return noPreTokenizer{}, nil
	}
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch c.Type {
	case "Sequence":
		var seq sequencePreTokenizer
		for _, r := range c.PreTokenizers {
			p, err := buildPreTokenizer(r)
			if err != nil {
				return nil, err
			}
			seq = append(seq, p)
		}
		return seq, nil
	case "Split":
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		p := &splitPreTokenizer{behavior: b, invert: c.Invert}
		switch {
		case c.Pattern.Regex != nil && scannerFor(*c.Pattern.Regex) != nil:
			p.scan = scannerFor(*c.Pattern.Regex)
		case c.Pattern.Regex != nil:
			if p.re, err = newRegex(*c.Pattern.Regex); err != nil {
				return nil, fmt.Errorf("pre_tokenizer Split regex: %w", err)
			}
		case c.Pattern.String != nil:
			p.literal = *c.Pattern.String
		default:
			return nil, fmt.Errorf("pre_tokenizer Split has no pattern")
		}
		return p, nil
	case "ByteLevel":
		p := &byteLevelPreTokenizer{addPrefixSpace: c.AddPrefixSpace}
		if c.UseRegex {
			re, err := newRegex(gpt2Pattern)
			if err != nil {
				return nil, err
			}
			p.re = &splitPreTokenizer{re: re, behavior: splitIsolated}
		}
		return p, nil
	}
	return nil, fmt.Errorf("pre_tokenizer %q is not supported", c.Type)
}

func buildDecoder(raw json.RawMessage) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	switch c.Type {
	case "ByteLevel":
		return byteLevelDecoder{}, nil
	case "ByteFallback":
		return byteFallbackDecoder{}, nil
	case "Fuse":
		return fuseDecoder{}, nil
	case "Strip":
		return stripDecoder{content: c.Content, start: c.Start, stop: c.Stop}, nil
	case "Replace":
		if c.Pattern.String == nil {
			return nil, fmt.Errorf("decoder Replace: only String patterns are supported")
		}
		return replaceDecoder{old: *c.Pattern.String, new: c.Content}, nil
	case "Metaspace":
		return metaspaceDecoder{replacement: c.Replacement, prefix: c.PrependScheme != "never"}, nil
	case "Sequence":
		var seq sequenceDecoder
		for _, r := range c.Decoders {
			d, err := buildDecoder(r)
			if err != nil {
				return nil, err
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("decoder %q is not supported", c.Type)
}

// buildPostProcessor returns the special ids that add_special_tokens=true
// puts around a single sequence.
func buildPostProcessor(raw json.RawMessage) (prefix, suffix []int, err error) {
	if isNull(raw) {
		return nil, nil, nil
	}
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, nil, fmt.Errorf("post_processor: %w", err)
	}
	switch c.Type {
	case "TemplateProcessing":
		seen := false
		for _, item := range c.Single {
			switch {
			case item.Sequence != nil:
				seen = true
			case item.SpecialToken != nil:
				ids := c.SpecialTokens[item.SpecialToken.ID].IDs
				if seen {
					suffix = append(suffix, ids...)
				} else {
					prefix = append(prefix, ids...)
				}
			}
		}
		return prefix, suffix, nil
	case "ByteLevel", "Sequence":
		// ByteLevel only trims offsets; it adds no ids.
		return nil, nil, nil
	}
	return nil, nil, fmt.Errorf("post_processor %q is not supported", c.Type)
}
