package main

import (
	"net"
	"strconv"
	"time"
)

// streamer writes long streamed answers the way a server that is not the
// simulator does: tokens events in all, perWrite of them in each write
// (one HTTP chunk), pause between writes. With many events per write a
// client gets full reads and its parsing shows; with one per write and a
// pause, every read holds one event, as from a paced server.
type streamer struct {
	tokens, perWrite        int
	pause                   time.Duration
	head, group, last, tail []byte
}

const streamEvent = `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" hi"},"finish_reason":null}]}` + "\n\n"

func newStreamer(tokens, perWrite int, pause time.Duration) *streamer {
	perWrite = max(1, min(perWrite, tokens))
	chunk := func(events int) []byte {
		body := ""
		for range events {
			body += streamEvent
		}
		return []byte(strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n")
	}
	done := "data: [DONE]\n\n"
	return &streamer{tokens: tokens, perWrite: perWrite, pause: pause,
		head:  []byte("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"),
		group: chunk(perWrite), last: chunk(tokens % perWrite),
		tail: []byte(strconv.FormatInt(int64(len(done)), 16) + "\r\n" + done + "\r\n0\r\n\r\n")}
}

// write sends one whole answer.
func (s *streamer) write(c net.Conn) error {
	if _, err := c.Write(s.head); err != nil {
		return err
	}
	for left := s.tokens; left > 0; left -= s.perWrite {
		part := s.group
		if left < s.perWrite {
			part = s.last
		}
		if _, err := c.Write(part); err != nil {
			return err
		}
		if s.pause > 0 {
			time.Sleep(s.pause)
		}
	}
	_, err := c.Write(s.tail)
	return err
}
