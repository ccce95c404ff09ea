package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// eventStream decodes AWS's binary event-stream framing (SageMaker's
// InvokeEndpointWithResponseStream, application/vnd.amazon.eventstream)
// into the bytes its PayloadPart events carry: the container's own stream,
// the SSE that vLLM, SGLang or TGI wrote. A Read returns as soon as one
// whole message has arrived (they are small: one write of the container
// each), so the SSE reader stamps its events when the message carrying
// them is complete.
//
// A message: total length, headers length and the CRC-32 of those 8 bytes
// (the prelude), the headers, the payload, the CRC-32 of all before it.
type eventStream struct {
	br      *bufio.Reader
	msg     []byte // the message being read, reused
	payload []byte // what is left of the last PayloadPart
}

// isEventStream reports whether a Content-Type is AWS's event stream.
func isEventStream(contentType string) bool {
	const ct = "application/vnd.amazon.eventstream"
	return len(contentType) >= len(ct) && strings.EqualFold(contentType[:len(ct)], ct)
}

func newEventStream(r io.Reader) *eventStream {
	return &eventStream{br: bufio.NewReaderSize(r, 16<<10)}
}

// maxEventMessage bounds one message, as AWS's own decoders do (16 MiB).
const maxEventMessage = 16 << 20

func (s *eventStream) Read(p []byte) (int, error) {
	for len(s.payload) == 0 {
		if err := s.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.payload)
	s.payload = s.payload[n:]
	return n, nil
}

// next reads one message: a PayloadPart's payload becomes readable, an
// exception or error ends the stream with its message, others are skipped.
func (s *eventStream) next() error {
	var prelude [12]byte
	if _, err := io.ReadFull(s.br, prelude[:]); err != nil {
		return err // io.EOF between messages: the stream's clean end
	}
	total, hlen := binary.BigEndian.Uint32(prelude[0:4]), binary.BigEndian.Uint32(prelude[4:8])
	if crc32.ChecksumIEEE(prelude[:8]) != binary.BigEndian.Uint32(prelude[8:12]) {
		return errors.New("event stream: prelude checksum mismatch")
	}
	if total < 16 || total > maxEventMessage || hlen > total-16 {
		return fmt.Errorf("event stream: a message of %d bytes with %d bytes of headers", total, hlen)
	}
	if cap(s.msg) < int(total) {
		s.msg = make([]byte, total)
	}
	s.msg = s.msg[:total]
	copy(s.msg, prelude[:])
	if _, err := io.ReadFull(s.br, s.msg[12:]); err != nil {
		return noEOF(err)
	}
	body := s.msg[:total-4]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(s.msg[total-4:]) {
		return errors.New("event stream: message checksum mismatch")
	}
	var h eventHeaders
	if err := h.read(body[12 : 12+hlen]); err != nil {
		return err
	}
	payload := body[12+hlen:]
	switch string(h.messageType) {
	case "exception":
		return fmt.Errorf("event stream: %s: %s", h.exceptionType, payload)
	case "error":
		return fmt.Errorf("event stream: %s: %s", h.errorCode, h.errorMessage)
	}
	if string(h.eventType) == "PayloadPart" {
		s.payload = payload
	}
	return nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// eventHeaders are the string headers a message is read by; they point
// into the message (no copy per message).
type eventHeaders struct {
	messageType, eventType, exceptionType, errorCode, errorMessage []byte
}

// read reads a message's headers, keeping those above and skipping the
// others by their type's size.
func (h *eventHeaders) read(b []byte) error {
	bad := errors.New("event stream: malformed headers")
	for len(b) > 0 {
		n := int(b[0])
		if len(b) < 2+n {
			return bad
		}
		name, typ := b[1:1+n], b[1+n]
		b = b[2+n:]
		size := 0
		switch typ {
		case 0, 1: // true, false: no value
		case 2:
			size = 1
		case 3:
			size = 2
		case 4:
			size = 4
		case 5, 8:
			size = 8
		case 9:
			size = 16
		case 6, 7: // bytes, string: a 2-byte length first
			if len(b) < 2 {
				return bad
			}
			size = 2 + int(binary.BigEndian.Uint16(b))
		default:
			return bad
		}
		if len(b) < size {
			return bad
		}
		if typ == 7 {
			v := b[2:size]
			switch string(name) {
			case ":message-type":
				h.messageType = v
			case ":event-type":
				h.eventType = v
			case ":exception-type":
				h.exceptionType = v
			case ":error-code":
				h.errorCode = v
			case ":error-message":
				h.errorMessage = v
			}
		}
		b = b[size:]
	}
	return nil
}
