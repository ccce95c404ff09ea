package transport

import "bytes"

// framer splits a growing buffer into SSE events. An event runs from its
// first byte to the blank line that ends it ("\n\n" or "\r\n\r\n").
type framer struct {
	inEvent   bool
	evStart   int
	lineStart int
	evNs      int64
}

// feed scans buf[from:], new bytes that arrived at ns, and appends every
// completed event to evs.
func (f *framer) feed(buf []byte, from int, ns int64, evs []Event) []Event {
	pos := from
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
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			if nl > f.evStart {
				evs = append(evs, Event{Ns: f.evNs, Off: int32(f.evStart), Len: int32(nl + 1 - f.evStart)})
			}
			f.inEvent = false
		} else {
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
