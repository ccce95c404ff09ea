package transport

// EventSink takes a stream's events as reads complete them, so that the
// caller parses each one while its bytes are still in the cache and the
// body need not be kept whole: a 256-stream run held every answer's raw
// bytes (70 KB at 500 tokens, 750 KB at 5,000) until it ended, then read
// them again from memory. Events gets the body's bytes so far and the
// events the last read completed (their Off and Len index buf); neither
// may be kept after it returns: the reader then drops the bytes of every
// complete event.
type EventSink interface {
	Events(buf []byte, evs []Event)
}

// drain gives the events completed so far to sink and drops the bytes
// they used, moving the event still arriving to the front of buf (a CR
// whose meaning the next byte decides, framer.crOnly, is in it: any byte
// after the last complete event starts one). It moves bytes only when at
// least half of buf goes, so an event larger than a read is not copied
// again at every read. A read that filled the buffer (the kernel may
// hold more) doubles it, up to maxStreamBuf: drained, it no longer grows
// with the answer, and reads as large as the kernel has are what keep a
// stream's system calls few. It returns the buffer to read on into.
func drain(sink EventSink, f *framer, buf []byte, res *Result, filled bool) []byte {
	buf = drop(sink, f, buf, res)
	if filled && cap(buf) < maxStreamBuf {
		nb := make([]byte, len(buf), grow(cap(buf)))
		copy(nb, buf)
		buf = nb
	}
	return buf
}

// maxStreamBuf bounds the buffer of a stream whose events go to a sink: a
// 64 KB read takes about 450 chat chunks, whose parsing costs ten times
// the system call, and 256 open streams hold at most 16 MB of buffers.
const maxStreamBuf = 64 << 10

// drop is drain's giving and dropping.
func drop(sink EventSink, f *framer, buf []byte, res *Result) []byte {
	if len(res.Events) > 0 {
		sink.Events(buf, res.Events)
		res.Streamed += len(res.Events)
		res.Events = res.Events[:0]
	}
	keep := len(buf)
	if f.inEvent {
		keep = f.evStart
	}
	if keep == 0 || keep < len(buf)-keep {
		return buf
	}
	res.Dropped += keep
	n := copy(buf, buf[keep:])
	f.evStart -= keep
	f.lineStart -= keep
	return buf[:n]
}

// EventCount is the number of events the body held: those given to the
// request's sink and those still in Events.
func (r *Result) EventCount() int { return r.Streamed + len(r.Events) }

// BodyLen is the length of the body: the bytes dropped once their events
// went to the sink and those still in Buf.
func (r *Result) BodyLen() int { return r.Dropped + len(r.Buf) }
