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
const compiledMagic = "sonde-tokenizer-3\n"

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
	// loader builds, so that it fills them front to back. The vocabulary's
	// length in bytes comes first, so the loader can read the merges (fixed
	// width, little endian) at the same time.
	var voc bytes.Buffer
	vput := func(x uint64) { voc.Write(binary.AppendUvarint(nil, x)) }
	vt := vocabFromMap(vocab)
	vput(uint64(vt.len()))
	vt.each(func(tok string, id int) {
		vput(uint64(id))
		vput(uint64(len(tok)))
		voc.WriteString(tok)
	})
	put(uint64(voc.Len()))
	raw.Write(voc.Bytes())
	ordered := newMergeTable(merges.len())
	merges.each(ordered.add)
	put(uint64(ordered.len()))
	ordered.each(func(k uint64, m merge) {
		for _, x := range []uint32{uint32(k >> 32), uint32(k), uint32(m.id), uint32(m.rank)} {
			raw.Write(binary.LittleEndian.AppendUint32(nil, x))
		}
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
	vocabLen := r.uvarint()
	if r.err != nil || vocabLen > uint64(len(r.b)) {
		return nil, errors.New("compiled tokenizer: truncated vocabulary")
	}
	vr := &compiledReader{b: r.b[:vocabLen]}
	r.b = r.b[vocabLen:]
	// The merges fill their table on another core while the vocabulary
	// fills its own: the two are independent.
	type built struct {
		t   *mergeTable
		err error
	}
	mergesDone := make(chan built, 1)
	go func() {
		t, err := readMerges(r)
		mergesDone <- built{t, err}
	}()
	vocab, err := readVocab(vr)
	mb := <-mergesDone
	if err == nil {
		err = mb.err
	}
	if err != nil {
		return nil, fmt.Errorf("compiled tokenizer: %w", err)
	}
	m, err := newModel(&f, vocab, 0)
	if err != nil {
		return nil, err
	}
	m.merges = mb.t
	return assemble(&f, m)
}

// readVocab reads the vocabulary section: one string holds every token,
// and the table's spans point into it.
func readVocab(r *compiledReader) (*vocabTable, error) {
	n := int(r.uvarint())
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
	if r.err != nil || maxID >= 1<<24 || all.Len() >= 1<<32 {
		return nil, fmt.Errorf("vocabulary: %v", r.err)
	}
	vocab := newVocabTable(n, maxID, all.String())
	for _, s := range spans {
		vocab.put(s.id, uint32(s.off), uint32(s.len))
	}
	return vocab, nil
}

// readMerges reads the merges section: a count, then four little-endian
// uint32 per merge (left, right, merged id, rank).
func readMerges(r *compiledReader) (*mergeTable, error) {
	nm := r.uvarint()
	if r.err != nil || nm > uint64(len(r.b))/16 {
		return nil, errors.New("truncated merges")
	}
	t := newMergeTable(int(nm))
	b := r.b[:nm*16]
	for i := 0; i < len(b); i += 16 {
		a, c := binary.LittleEndian.Uint32(b[i:]), binary.LittleEndian.Uint32(b[i+4:])
		t.add(pairKey(int32(a), int32(c)), merge{id: int32(binary.LittleEndian.Uint32(b[i+8:])), rank: int32(binary.LittleEndian.Uint32(b[i+12:]))})
	}
	return t, nil
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
