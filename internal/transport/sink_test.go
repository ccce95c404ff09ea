package transport

import (
	"bytes"
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/clock"
)

// seen is an event as a sink got it: a copy of its bytes and its stamp.
type seen struct {
	ns   int64
	data string
}

// collect is a sink that copies what it gets.
type collect struct{ got []seen }

func (c *collect) Events(buf []byte, evs []Event) {
	for _, ev := range evs {
		c.got = append(c.got, seen{ev.Ns, string(buf[ev.Off : ev.Off+ev.Len])})
	}
}

// frameCuts frames stream as reads ending at cuts deliver it (read i
// stamped i), draining into a sink after every read or, without drain,
// giving the sink every event at the end.
func frameCuts(stream []byte, cuts []int, withDrain bool) ([]seen, Result) {
	var f framer
	var res Result
	var buf []byte
	sink := &collect{}
	from := 0
	for i, to := range cuts {
		start := len(buf)
		buf = append(buf, stream[from:to]...)
		res.Events = f.feed(buf, start, int64(i), res.Events)
		if withDrain {
			buf = drain(sink, &f, buf, &res, i%2 == 0)
		}
		from = to
	}
	res.Events = f.finish(buf, res.Events)
	if withDrain {
		buf = drain(sink, &f, buf, &res, false)
	} else {
		sink.Events(buf, res.Events)
	}
	res.Buf = buf
	return sink.got, res
}

// A sink gets every event once, byte for byte and with the stamp it has
// when the body is kept whole, however the stream is cut into reads: CR
// line ends decided by a later read, events larger than a read, comments
// and blank lines between events; the body's length and event count stay
// whole.
func TestDrainGivesEveryEventOnce(t *testing.T) {
	crlf := []string{"data: x", "\n", "\n", "\r\n", ": c", `data: {"a":1}`, "\n\n", "id: 1", strings.Repeat("y", 300)}
	cr := []string{"data: x", "\r", "\r", ": c", `data: {"a":1}`, "\r\r", strings.Repeat("y", 300)}
	r := rand.New(rand.NewPCG(7, 8))
	for n := range 4000 {
		parts := crlf
		if n%3 == 0 {
			parts = cr
		}
		var b strings.Builder
		b.WriteString("data: first")
		for range r.IntN(30) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		stream := []byte(b.String())
		var cuts []int
		for at := 0; at < len(stream); {
			at = min(len(stream), at+1+r.IntN(40))
			cuts = append(cuts, at)
		}
		want, whole := frameCuts(stream, cuts, false)
		got, drained := frameCuts(stream, cuts, true)
		if !slices.Equal(got, want) {
			t.Fatalf("%q cut at %v:\ndrained %+v\nwhole   %+v", stream, cuts, got, want)
		}
		if drained.BodyLen() != len(stream) || drained.EventCount() != len(want) || whole.EventCount() != len(want) {
			t.Fatalf("%q: body %d of %d, %d events of %d", stream, drained.BodyLen(), len(stream), drained.EventCount(), len(want))
		}
	}
}

// Through readSSE: a sink gets the events the body kept whole holds, and
// the buffer keeps only an event still arriving; a 5 MB event read 4 KiB
// at a time still costs memory linear in its bytes (the partial event is
// not moved at every read).
func TestReadSSEIntoSink(t *testing.T) {
	c := NewClient(clock.New(), 1)
	body := []byte(strings.Repeat("data: {\"choices\":[{\"delta\":{\"content\":\" hi\"}}]}\n\n", 500) + "data: [DONE]\n\n")
	var whole, streamed Result
	c.readSSE(context.Background(), &slowReader{data: body, n: 1000}, &whole, nil, nil)
	sink := &collect{}
	c.readSSE(context.Background(), &slowReader{data: body, n: 1000}, &streamed, nil, sink)
	if len(sink.got) != len(whole.Events) || streamed.EventCount() != len(whole.Events) || streamed.BodyLen() != len(body) {
		t.Fatalf("sink got %d events, counted %d, whole %d; body %d of %d", len(sink.got), streamed.EventCount(), len(whole.Events), streamed.BodyLen(), len(body))
	}
	for i, s := range sink.got {
		if !bytes.Equal([]byte(s.data), whole.EventData(i)) {
			t.Fatalf("event %d: %q, whole %q", i, s.data, whole.EventData(i))
		}
	}
	if len(streamed.Buf) != 0 || len(streamed.Events) != 0 {
		t.Fatalf("kept %d bytes and %d events the sink had", len(streamed.Buf), len(streamed.Events))
	}

	// A reader with more than the buffer holds fills it: the buffer
	// doubles to 64 KB, so a 1 MB body takes about 20 reads, not 260.
	long := &slowReader{data: bytes.Repeat(body[:50], 1<<20/50), n: 1 << 30}
	reads := 0
	var res Result
	c.readSSE(context.Background(), readFunc(func(p []byte) (int, error) { reads++; return long.Read(p) }), &res, nil, &collect{})
	if reads > 24 || res.BodyLen() != 1<<20/50*50 {
		t.Fatalf("%d reads for %d bytes", reads, res.BodyLen())
	}

	big := []byte("data: {\"choices\":[{\"delta\":{\"content\":\"" + strings.Repeat("x", 5<<20) + "\"}}]}\n\ndata: [DONE]\n\n")
	alloc := allocated(func() {
		var res Result
		c.readSSE(context.Background(), &slowReader{data: big, n: 4096}, &res, nil, &collect{})
	})
	if alloc > uint64(6*len(big)) { // the buffer doubling, and the sink's copy
		t.Fatalf("reading %d bytes into a sink allocated %d", len(big), alloc)
	}
}

// allocated is the bytes fn allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// readFunc is a reader made of a function.
type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
