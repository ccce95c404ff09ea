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

// appendEventMessage appends one PayloadPart message carrying payload.
func appendEventMessage(dst, payload []byte) []byte {
	var headers []byte
	for _, h := range [][2]string{{":event-type", "PayloadPart"}, {":content-type", "application/octet-stream"}, {":message-type", "event"}} {
		headers = append(headers, byte(len(h[0])))
		headers = append(headers, h[0]...)
		headers = append(headers, 7) // a string
		headers = binary.BigEndian.AppendUint16(headers, uint16(len(h[1])))
		headers = append(headers, h[1]...)
	}
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
