package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// The compiled form of a tokenizer.json: the same tokenizer without JSON
// decoding of its vocabulary and merges (200,000 entries each for o200k),
// which took most of a second at every start. Layout:
//
//	compiledMagic
//	uvarint n, n bytes: the tokenizer.json without model.vocab and model.merges
//	uvarint n, then the vocabulary's n bytes: uvarint tokens, ids (the
//	largest + 1), slots and text length; the text (every token, one after
//	another); per id its span (uint32 offset, uint32 length); per slot of
//	the lookup table its id + 1 (int32; 0 where free). The loader copies
//	the table as it is: hashing 200,000 tokens to rebuild it was three
//	quarters of the load.
//	uvarint n, then n × (uint32 left, right, merged id, rank): the merges,
//	in the order of their slots in the loader's table
//
// Integers in tables are little endian.
const compiledMagic = "sonde-tokenizer-4\n"

// Compile turns the bytes of a tokenizer.json (plain or gzip) into the
// compiled form. It is stored uncompressed: inflating it cost more than
// everything else the load does.
func Compile(data []byte) ([]byte, error) {
	_, out, err := compile(data)
	return out, err
}

// compile is Compile, also returning the tokenizer it built on the way.
func compile(data []byte) (*BPE, []byte, error) {
	t, f, err := parseFile(data)
	if err != nil {
		return nil, nil, err
	}
	vocab, merges := f.Model.Vocab, t.model.merges
	f.Model.Vocab, f.Model.Merges = nil, nil
	header, err := json.Marshal(f)
	if err != nil {
		return nil, nil, err
	}
	var raw bytes.Buffer
	raw.WriteString(compiledMagic)
	put := func(x uint64) { raw.Write(binary.AppendUvarint(nil, x)) }
	put(uint64(len(header)))
	raw.Write(header)
	// The vocabulary goes as its lookup table, which the loader copies; the
	// merges in the order of their slots in the loader's table, so that it
	// fills it front to back. The vocabulary's length in bytes comes first,
	// so the loader can read the merges (fixed width) at the same time.
	voc := appendVocab(nil, vocabFromMap(vocab))
	put(uint64(len(voc)))
	raw.Write(voc)
	ordered := newMergeTable(merges.len())
	merges.each(ordered.add)
	put(uint64(ordered.len()))
	ordered.each(func(k uint64, m merge) {
		for _, x := range []uint32{uint32(k >> 32), uint32(k), uint32(m.id), uint32(m.rank)} {
			raw.Write(binary.LittleEndian.AppendUint32(nil, x))
		}
	})
	return t, raw.Bytes(), nil
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

// appendVocab writes the vocabulary section: the table as it is.
func appendVocab(dst []byte, t *vocabTable) []byte {
	for _, x := range []int{t.n, len(t.spans), len(t.slots), len(t.text)} {
		dst = binary.AppendUvarint(dst, uint64(x))
	}
	dst = append(dst, t.text...)
	for _, sp := range t.spans {
		dst = binary.LittleEndian.AppendUint32(dst, sp.off)
		dst = binary.LittleEndian.AppendUint32(dst, sp.len)
	}
	for _, v := range t.slots {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
	}
	return dst
}

// readVocab reads the vocabulary section, checking every span and slot
// against the bounds so that a damaged file is an error, not a crash at
// the first lookup (a slot naming an id without a token only fails to
// match).
func readVocab(r *compiledReader) (*vocabTable, error) {
	n, ids, slots, textLen := r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint()
	if r.err != nil || ids > 1<<24 || slots > 1<<26 || slots < 16 || slots&(slots-1) != 0 || n*2 > slots ||
		textLen > uint64(len(r.b)) || textLen+8*ids+4*slots != uint64(len(r.b)) {
		return nil, errors.New("vocabulary: damaged header")
	}
	text := string(r.bytes(textLen))
	t := &vocabTable{text: text, spans: make([]tokenSpan, ids), slots: make([]int32, slots),
		shift: uint(64 - bits.TrailingZeros64(slots)), n: int(n)}
	b := r.bytes(8 * ids)
	for i := range t.spans {
		sp := tokenSpan{binary.LittleEndian.Uint32(b[8*i:]), binary.LittleEndian.Uint32(b[8*i+4:])}
		if uint64(sp.off)+uint64(sp.len) > textLen {
			return nil, fmt.Errorf("vocabulary: token %d outside the text", i)
		}
		t.spans[i] = sp
	}
	b = r.bytes(4 * slots)
	used := 0
	for i := range t.slots {
		v := int32(binary.LittleEndian.Uint32(b[4*i:]))
		if v < 0 || int64(v) > int64(ids) {
			return nil, fmt.Errorf("vocabulary: slot %d names no token", i)
		}
		if v > 0 {
			used++
		}
		t.slots[i] = v
	}
	if used != int(n) {
		return nil, errors.New("vocabulary: token count and table disagree")
	}
	return t, nil
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
