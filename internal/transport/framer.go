package transport

import "bytes"

// framer splits a growing buffer into SSE events. An event runs from its
// first byte to the blank line that ends it ("\n\n", "\r\n\r\n", or
// "\r\r": the SSE specification allows lines ended by CR alone).
type framer struct {
	inEvent   bool
	evStart   int
	lineStart int
	evNs      int64
	ends      lineEnds
}

// lineEnds is how a stream ends its lines, learned from its first line end.
type lineEnds uint8

const (
	endsUnknown lineEnds = iota
	endsLF               // "\n" or "\r\n"
	endsCR               // "\r" alone: rewritten to "\n" as it arrives
)

// feed scans buf[from:], new bytes that arrived at ns, and appends every
// completed event to evs.
func (f *framer) feed(buf []byte, from int, ns int64, evs []Event) []Event {
	pos := from
	if f.ends != endsLF {
		pos = f.crOnly(buf, from)
	}
	for pos < len(buf) {
		if !f.inEvent {
			f.inEvent, f.evStart, f.lineStart, f.evNs = true, pos, pos, ns
		}
		k := indexNL(buf[pos:])
		if k < 0 {
			break
		}
		nl := pos + k
		line := buf[f.lineStart:nl]
		switch {
		case len(line) == 0 || (len(line) == 1 && line[0] == '\r'):
			if nl > f.evStart {
				evs = append(evs, Event{Ns: f.evNs, Off: int32(f.evStart), Len: int32(nl + 1 - f.evStart)})
			}
			f.inEvent = false
		case nl+1 < len(buf) && buf[nl+1] == '\n':
			// "\n\n": the line ends the event, read without a second
			// search (every event of a stream that ends them so).
			evs = append(evs, Event{Ns: f.evNs, Off: int32(f.evStart), Len: int32(nl + 2 - f.evStart)})
			f.inEvent = false
			nl++
		default:
			f.lineStart = nl + 1
		}
		pos = nl + 1
	}
	return evs
}

// finish emits a trailing event that the stream ended without a blank line.
func (f *framer) finish(buf []byte, evs []Event) []Event {
	if f.inEvent && len(buf) > f.evStart {
		evs = append(evs, Event{Ns: f.evNs, Off: int32(f.evStart), Len: int32(len(buf) - f.evStart)})
	}
	f.inEvent = false
	return evs
}

func indexNL(b []byte) int { return bytes.IndexByte(b, '\n') }

// crOnly learns the stream's line ends from the first one and, for a
// stream that ends lines with CR alone, makes each CR in buf[from:] a LF,
// so the rest of sonde reads one kind of line. A CR that is the last byte
// so far waits for the next byte to tell "\r" from "\r\n". It returns
// where scanning starts: before that CR once it became a LF.
func (f *framer) crOnly(buf []byte, from int) int {
	start := from
	if start > 0 && buf[start-1] == '\r' {
		start-- // undecided last time
	}
	if f.ends == endsUnknown {
		i := bytes.IndexAny(buf[start:], "\r\n")
		switch {
		case i < 0:
			return from
		case buf[start+i] == '\n' || start+i+1 < len(buf) && buf[start+i+1] == '\n':
			f.ends = endsLF
			return from
		case start+i+1 == len(buf):
			return from
		}
		f.ends = endsCR
	}
	for i := start; i < len(buf); i++ {
		if buf[i] == '\r' {
			buf[i] = '\n'
		}
	}
	return start
}
