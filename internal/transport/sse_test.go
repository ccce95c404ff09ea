package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/clock"
)

type packet struct {
	name  string
	value *string
}

func packets(raw string) []packet {
	var out []packet
	ParseEvent([]byte(raw), func(f Field) {
		p := packet{name: string(f.Name)}
		if f.HasValue {
			v := string(f.Value)
			p.value = &v
		}
		out = append(out, p)
	})
	return out
}

func (p packet) String() string {
	if p.value == nil {
		return fmt.Sprintf("(%s, None)", p.name)
	}
	return fmt.Sprintf("(%s, %q)", p.name, *p.value)
}

// Spec §11.15: AIPerf's SSE parsing vectors.
func TestParseEventVectors(t *testing.T) {
	cases := []struct {
		raw  string
		want string
	}{
		{"", "[]"}, {"\n", "[]"}, {"\n\n", "[]"}, {"   ", "[]"}, {"   \n   \n   ", "[]"},
		{"data: Hello World", `[(data, "Hello World")]`},
		{"Data: test", `[(Data, "test")]`},
		{"data: ", `[(data, "")]`},
		{"field-without-value", `[(field-without-value, None)]`},
		{": This is a comment", `[(comment, "This is a comment")]`},
		{"data: line1\ndata: line2\ndata: line3", `[(data, "line1") (data, "line2") (data, "line3")]`},
		{"data: test\n\nevent: msg\n\nid: 123", `[(data, "test") (event, "msg") (id, "123")]`},
		{"data: {\"a\":1}\nevent: message\nid: 42\nretry: 1000\ndata: more\n: note\nx-custom: v\nbare",
			`[(data, "{\"a\":1}") (event, "message") (id, "42") (retry, "1000") (data, "more") (comment, "note") (x-custom, "v") (bare, None)]`},
	}
	for _, c := range cases {
		if got := fmt.Sprint(packets(c.raw)); got != c.want {
			t.Errorf("ParseEvent(%q) = %s, want %s", c.raw, got, c.want)
		}
	}
	if d, ok := EventData([]byte("data: line1\ndata: line2\ndata: line3")); !ok || string(d) != "line1\nline2\nline3" {
		t.Errorf("EventData joined = %q", d)
	}
	if _, ok := EventData([]byte(": only a comment")); ok {
		t.Error("comment-only event has no data")
	}
}

// frameInTwo frames stream as two reads split at split: the events' data,
// the events, and the buffer as framed.
func frameInTwo(stream string, split int) (data []string, evs []Event, buf []byte) {
	var f framer
	buf = []byte(stream[:split])
	evs = f.feed(buf, 0, 1, nil)
	buf = append(buf, stream[split:]...)
	evs = f.feed(buf, split, 2, evs)
	evs = f.finish(buf, evs)
	for _, e := range evs {
		if d, ok := EventData(buf[e.Off : e.Off+e.Len]); ok {
			data = append(data, string(d))
		}
	}
	return data, evs, buf
}

func TestFramerSplitsAcrossReads(t *testing.T) {
	stream := "data: a\n\ndata: b\r\n\r\n\n\ndata: c\n\ndata: tail"
	for split := 0; split <= len(stream); split++ {
		got, evs, _ := frameInTwo(stream, split)
		if fmt.Sprint(got) != "[a b c tail]" {
			t.Fatalf("split %d: events %q", split, got)
		}
		if split > 0 && split < 7 && evs[0].Ns != 1 {
			t.Fatalf("split %d: first event stamped %d, want the first read's 1", split, evs[0].Ns)
		}
	}
}

// Lines ended by CR alone are valid SSE: every split of such a stream
// gives its events, and a CRLF stream keeps its bytes.
func TestFramerReadsCROnlyLines(t *testing.T) {
	for _, stream := range []string{"data: a\r\rdata: b\r\r: c\r\rdata: tail", "data: a\r\n\r\ndata: b\r\n\r\n: c\r\n\r\ndata: tail"} {
		for split := 0; split <= len(stream); split++ {
			got, _, buf := frameInTwo(stream, split)
			if fmt.Sprint(got) != "[a b tail]" {
				t.Fatalf("%q split %d: events %q", stream, split, got)
			}
			if strings.Contains(stream, "\n") != bytes.Contains(buf, []byte("\r")) {
				t.Fatalf("%q split %d: a CRLF stream's bytes changed, or a CR stream kept a CR: %q", stream, split, buf)
			}
		}
	}
}

// eventDataFields is EventData without its single-line shortcut.
func eventDataFields(raw []byte) (data []byte, ok bool) {
	n := 0
	ParseEvent(raw, func(f Field) {
		if string(f.Name) != "data" {
			return
		}
		if n == 0 {
			data = f.Value
		} else {
			data = append(append(append([]byte(nil), data...), '\n'), f.Value...)
		}
		n++
	})
	return data, n > 0
}

func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{"data: x", "data: a\ndata: b", ": c", "bare", "data:\r\n", "\x00:\xff", "data: {\"a\":1}\n\n", "data:x \u00a0\r\n\n", "data: a\rb\n \n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ParseEvent(raw, func(fl Field) {
			if len(fl.Name) == 0 && !fl.HasValue {
				t.Fatalf("empty bare field from %q", raw)
			}
		})
		fast, fastOK := EventData(raw)
		slow, slowOK := eventDataFields(raw)
		if fastOK != slowOK || !bytes.Equal(fast, slow) {
			t.Fatalf("%q: EventData %q %v, field by field %q %v", raw, fast, fastOK, slow, slowOK)
		}
		if _, start, end, _ := EventDataAt(raw); start >= 0 && !bytes.Equal(raw[start:end], slow) {
			t.Fatalf("%q: EventDataAt's span %d:%d is %q, the data %q", raw, start, end, raw[start:end], slow)
		}
		var fr framer
		evs := fr.feed(raw, 0, 1, nil)
		evs = fr.finish(raw, evs)
		end := 0
		for _, e := range evs {
			if int(e.Off) < end || int(e.Off+e.Len) > len(raw) {
				t.Fatalf("event %+v out of order or bounds in %q", e, raw)
			}
			end = int(e.Off + e.Len)
		}
	})
}

// slowReader hands out its data n bytes per Read, as a socket does.
type slowReader struct {
	data []byte
	n    int
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := min(r.n, len(p), len(r.data))
	copy(p, r.data[:k])
	r.data = r.data[k:]
	return k, nil
}

// One 5 MB SSE line read 4 KiB at a time: one event, and memory linear in
// the bytes (the buffer doubles; nothing is rescanned or recopied per read).
func TestReadSSELinear(t *testing.T) {
	body := []byte("data: {\"choices\":[{\"delta\":{\"content\":\"" + strings.Repeat("x", 5<<20) + "\"}}]}\n\ndata: [DONE]\n\n")
	c := NewClient(clock.New(), 1)
	var res Result
	alloc := allocated(func() { c.readSSE(context.Background(), &slowReader{data: body, n: 4096}, &res, nil, nil) })
	if len(res.Events) != 2 || res.Err != nil {
		t.Fatalf("%d events, %v", len(res.Events), res.Err)
	}
	if alloc > uint64(4*len(body)) {
		t.Fatalf("reading %d bytes allocated %d", len(body), alloc)
	}
}

// lineByLine frames as the framer did before reading "\n\n" at once: a
// line at a time, an empty line ending the event (LF streams).
func lineByLine(buf []byte) []Event {
	var evs []Event
	start, lineStart := -1, 0
	for pos := 0; pos < len(buf); pos++ {
		if start < 0 {
			start, lineStart = pos, pos
		}
		if buf[pos] != '\n' {
			continue
		}
		if line := buf[lineStart:pos]; len(line) == 0 || string(line) == "\r" {
			if pos > start {
				evs = append(evs, Event{Ns: 1, Off: int32(start), Len: int32(pos + 1 - start)})
			}
			start = -1
		} else {
			lineStart = pos + 1
		}
	}
	if start >= 0 && len(buf) > start {
		evs = append(evs, Event{Ns: 1, Off: int32(start), Len: int32(len(buf) - start)})
	}
	return evs
}

// The framer's events are the line-by-line reading's, byte for byte,
// however the stream is cut into reads.
func TestFramerMatchesLineByLine(t *testing.T) {
	parts := []string{"data: x", "\n", "\n", "\r\n", ": c", `data: {"a":1}`, "\n\n", "id: 1"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		var b strings.Builder
		b.WriteString("data: first")
		for range r.IntN(20) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		stream := []byte(b.String())
		want := lineByLine(stream)
		var f framer
		var got []Event
		for from := 0; from < len(stream); {
			to := min(len(stream), from+1+r.IntN(12))
			got = f.feed(stream[:to], from, 1, got)
			from = to
		}
		got = f.finish(stream, got)
		if !slices.Equal(got, want) {
			t.Fatalf("%q: framed %v, line by line %v", stream, got, want)
		}
	}
}
