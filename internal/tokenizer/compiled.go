package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The compiled form of a tokenizer.json: the same tokenizer without JSON
// decoding of its vocabulary and merges (200,000 entries each for o200k),
// which took most of a second at every start. Layout:
//
//	compiledMagic
//	uvarint n, n bytes: the tokenizer.json without model.vocab and model.merges
//	uvarint n, then n × (uvarint id, uvarint len, len bytes): the vocabulary
//	uvarint n, then n × (uvarint left, uvarint right, uvarint result): the
//	merges by rank, as ids
const compiledMagic = "sonde-tokenizer-2\n"

// Compile turns the bytes of a tokenizer.json (plain or gzip) into the
// compiled form. It is stored uncompressed: inflating it cost more than
// everything else the load does.
func Compile(data []byte) ([]byte, error) {
	data, err := gunzipMaybe(data)
	if err != nil {
		return nil, err
	}
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a tokenizer.json: %w", err)
	}
	t, err := build(&f)
	if err != nil {
		return nil, err
	}
	vocab, merges := f.Model.Vocab, t.model.merges
	f.Model.Vocab, f.Model.Merges = nil, nil
	header, err := json.Marshal(&f)
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	raw.WriteString(compiledMagic)
	put := func(x uint64) { raw.Write(binary.AppendUvarint(nil, x)) }
	put(uint64(len(header)))
	raw.Write(header)
	// Tokens and merges go in the order of their slots in the tables the
	// loader builds, so that it fills them front to back.
	vt := vocabFromMap(vocab)
	put(uint64(vt.len()))
	vt.each(func(tok string, id int) {
		put(uint64(id))
		put(uint64(len(tok)))
		raw.WriteString(tok)
	})
	ordered := newMergeTable(merges.len())
	merges.each(ordered.add)
	put(uint64(ordered.len()))
	ordered.each(func(k uint64, m merge) {
		put(k >> 32)
		put(k & 0xffffffff)
		put(uint64(m.id))
		put(uint64(m.rank))
	})
	return raw.Bytes(), nil
}

// parseCompiled builds a tokenizer from the compiled form.
func parseCompiled(data []byte) (*BPE, error) {
	data, err := gunzipMaybe(data)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte(compiledMagic)) {
		return nil, errors.New("not a compiled tokenizer")
	}
	r := &compiledReader{b: data[len(compiledMagic):]}
	header := r.bytes(r.uvarint())
	var f fileJSON
	if err := json.Unmarshal(header, &f); err != nil {
		return nil, fmt.Errorf("compiled tokenizer header: %w", err)
	}
	n := int(r.uvarint())
	// One string holds every token; the vocabulary slices it.
	type span struct{ id, off, len int }
	spans := make([]span, n)
	var all strings.Builder
	maxID := -1
	for i := range spans {
		id, l := int(r.uvarint()), int(r.uvarint())
		spans[i] = span{id, all.Len(), l}
		all.Write(r.bytes(uint64(l)))
		maxID = max(maxID, id)
	}
	if r.err != nil || maxID >= 1<<24 {
		return nil, fmt.Errorf("compiled tokenizer: vocabulary: %v", r.err)
	}
	text := all.String()
	vocab := newVocabTable(n, maxID)
	idToToken := make([]string, maxID+1)
	for _, s := range spans {
		tok := text[s.off : s.off+s.len]
		vocab.put(tok, s.id)
		idToToken[s.id] = tok
	}
	nm := int(r.uvarint())
	m, err := newModel(&f, vocab, idToToken, nm)
	if err != nil {
		return nil, err
	}
	for range nm {
		a, b, id, rank := r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint()
		m.merges.add(pairKey(int32(a), int32(b)), merge{rank: int32(rank), id: int32(id)})
	}
	if r.err != nil {
		return nil, fmt.Errorf("compiled tokenizer: %w", r.err)
	}
	return assemble(&f, m)
}

type compiledReader struct {
	b   []byte
	err error
}

func (r *compiledReader) uvarint() uint64 {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = io.ErrUnexpectedEOF, nil
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *compiledReader) bytes(n uint64) []byte {
	if uint64(len(r.b)) < n {
		r.err, r.b = io.ErrUnexpectedEOF, nil
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func gunzipMaybe(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
