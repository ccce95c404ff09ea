package transport

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

// eventMessage frames payload as an event-stream message with string
// headers, as SageMaker sends it.
func eventMessage(payload string, headers ...string) string {
	var h []byte
	for i := 0; i+1 < len(headers); i += 2 {
		h = append(h, byte(len(headers[i])))
		h = append(h, headers[i]...)
		h = append(h, 7)
		h = binary.BigEndian.AppendUint16(h, uint16(len(headers[i+1])))
		h = append(h, headers[i+1]...)
	}
	h = append(h, 3, 'n', 'u', 'm', 4, 0, 0, 0, 1) // an int header, skipped
	m := binary.BigEndian.AppendUint32(nil, uint32(16+len(h)+len(payload)))
	m = binary.BigEndian.AppendUint32(m, uint32(len(h)))
	m = binary.BigEndian.AppendUint32(m, crc32.ChecksumIEEE(m))
	m = append(append(m, h...), payload...)
	return string(binary.BigEndian.AppendUint32(m, crc32.ChecksumIEEE(m)))
}

func payloadPart(p string) string {
	return eventMessage(p, ":event-type", "PayloadPart", ":message-type", "event")
}

// The PayloadParts' bytes come out in order, whatever the reads' sizes;
// other events are skipped; exceptions and damaged messages end the stream
// with what went wrong.
func TestEventStreamDecodes(t *testing.T) {
	stream := payloadPart("data: {\"a\":1}\n\n") + eventMessage("", ":event-type", "Ping", ":message-type", "event") +
		payloadPart("data: {\"a\":2}\n\ndata: [DONE]\n\n")
	got, err := io.ReadAll(newEventStream(iotest.OneByteReader(strings.NewReader(stream))))
	if err != nil || string(got) != sseBody {
		t.Fatalf("%q, %v", got, err)
	}
	for name, c := range map[string]struct{ stream, want string }{
		"exception": {payloadPart("data: x\n\n") + eventMessage(`{"message":"boom"}`, ":message-type", "exception", ":exception-type", "ModelStreamError"),
			"ModelStreamError: {\"message\":\"boom\"}"},
		"error":           {eventMessage("", ":message-type", "error", ":error-code", "Throttled", ":error-message", "slow down"), "Throttled: slow down"},
		"damaged":         {payloadPart("data: x\n\n")[:20] + "X" + payloadPart("data: x\n\n")[21:], "message checksum mismatch"},
		"damaged prelude": {"\x01" + payloadPart("data: x\n\n")[1:], "prelude checksum mismatch"},
		"cut":             {payloadPart("data: x\n\n")[:30], "unexpected EOF"},
	} {
		_, err := io.ReadAll(newEventStream(strings.NewReader(c.stream)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Both clients read a SageMaker stream as the SSE inside it, event by event.
func TestEventStreamBothClients(t *testing.T) {
	stream := payloadPart("data: {\"a\":1}\n\n") + payloadPart("data: {\"a\":2}\n\n") + payloadPart("data: [DONE]\n\n")
	url := scriptServer(t, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\nContent-Length: "+itoa(len(stream))+"\r\n\r\n"+stream, false)
	for _, lean := range []bool{false, true} {
		cl := NewClient(clockNew(), 1)
		if lean {
			cl.UseLean()
		}
		var res Result
		cl.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Header: http.Header{}}, &res)
		if res.Err != nil || !res.SSE || string(res.Buf) != sseBody || len(res.Events) != 3 {
			t.Errorf("lean %v: %v sse %v %q %d events", lean, res.Err, res.SSE, res.Buf, len(res.Events))
		}
		cl.CloseIdle()
	}
}
