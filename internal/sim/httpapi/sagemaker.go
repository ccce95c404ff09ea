package httpapi

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
)

// sageMaker serves a SageMaker Runtime endpoint as a vLLM container behind
// one does: POST /endpoints/{name}/invocations passes the body to the chat
// API when it has messages, else to completions; the -response-stream form
// sends the container's stream back in AWS's binary event-stream framing,
// one PayloadPart message per write, as SageMaker does. Signatures are not
// checked (a test's gateway can).
func (s *Server) sageMaker(w http.ResponseWriter, r *http.Request, stream bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading body: "+err.Error(), "BadRequestError")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	a := apiCompletions
	if bytes.Contains(body, []byte(`"messages"`)) {
		a = apiChat
	}
	if stream {
		w = &eventStreamWriter{w: w}
	}
	s.generate(w, r, a)
}

// eventStreamWriter frames what a handler writes as event-stream messages.
type eventStreamWriter struct {
	w   http.ResponseWriter
	buf []byte
}

func (e *eventStreamWriter) Header() http.Header { return e.w.Header() }

func (e *eventStreamWriter) WriteHeader(code int) {
	if code == http.StatusOK {
		e.w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	}
	e.w.WriteHeader(code)
}

func (e *eventStreamWriter) Write(p []byte) (int, error) {
	e.buf = appendEventMessage(e.buf[:0], p)
	if _, err := e.w.Write(e.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (e *eventStreamWriter) Flush() {
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
}

// payloadPartHeaders are every PayloadPart message's headers, encoded:
// each is its name's length, the name, 7 (a string), the value's length in
// two bytes, the value.
const payloadPartHeaders = "\x0b:event-type\x07\x00\x0bPayloadPart" +
	"\x0d:content-type\x07\x00\x18application/octet-stream" +
	"\x0d:message-type\x07\x00\x05event"

// appendEventMessage appends one PayloadPart message carrying payload.
func appendEventMessage(dst, payload []byte) []byte {
	const headers = payloadPartHeaders
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(16+len(headers)+len(payload)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(headers)))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:start+8]))
	dst = append(dst, headers...)
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// Unwrap lets http.ResponseController reach the connection (a fault's
// disconnect hijacks it).
func (e *eventStreamWriter) Unwrap() http.ResponseWriter { return e.w }
