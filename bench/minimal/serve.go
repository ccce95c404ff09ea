package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// serve answers every POST at once with two SSE chunks and [DONE], and
// counts them: GET /stats gives how many arrived, when the first and last
// did (Unix ns) and how many connections were opened, POST /reset starts
// the count again. A paced client held its rate when the server saw it.
//
// It speaks just enough HTTP/1.1 for the clients it measures (keep-alive,
// Content-Length request bodies, one prepared answer per request, written
// at once) rather than going through net/http, whose server cost 54 µs of
// its core per request: at 20,000 requests/s the server, not the client,
// was what could not keep up.
func serve(addr string, st *streamer) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	s := &server{st: st}
	for {
		c, err := ln.Accept()
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			// Out of descriptors (a client that fell far behind opens
			// thousands of connections): wait for some to close, as
			// net/http's server does.
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		go s.conn(c)
	}
}

type server struct {
	mu             sync.Mutex
	n, first, last int64
	conns          int64     // connections accepted since the last reset
	st             *streamer // long answers; nil: the two-event one
}

// answer is the whole response to a completion: headers and a chunked body
// of two SSE events and [DONE].
var answer = func() []byte {
	chunk := `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" hi"},"finish_reason":null}]}` + "\n\n"
	body := chunk + chunk + "data: [DONE]\n\n"
	return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
		strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n0\r\n\r\n")
}()

func reply(body string) []byte {
	return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// conn serves one connection's requests in turn until the client closes it
// or sends something this server does not understand.
func (s *server) conn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 4<<10)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		now := time.Now().UnixNano()
		// The line lives in the reader's buffer until the next read: keep
		// what is needed of it.
		method, path, _ := bytes.Cut(bytes.TrimSpace(line), []byte(" "))
		path, _, _ = bytes.Cut(path, []byte(" "))
		route := string(method) + " " + string(path)
		var length int
		closing := false
		for {
			h, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			h = bytes.TrimSpace(h)
			if len(h) == 0 {
				break
			}
			name, value, _ := bytes.Cut(h, []byte(":"))
			value = bytes.TrimSpace(value)
			switch {
			case bytes.EqualFold(name, []byte("Content-Length")):
				if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
					return
				}
			case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
				closing = true
			}
		}
		if _, err := r.Discard(length); err != nil {
			return
		}
		var out []byte
		switch route {
		case "POST /v1/chat/completions":
			s.mu.Lock()
			if s.n == 0 {
				s.first = now
			}
			s.n, s.last = s.n+1, now
			s.mu.Unlock()
			if s.st != nil {
				if s.st.write(c) != nil || closing {
					return
				}
				continue
			}
			out = answer
		case "GET /v1/models":
			out = reply(`{"object":"list","data":[{"id":"m","object":"model"}]}`)
		case "GET /stats":
			s.mu.Lock()
			out = reply(fmt.Sprintf("received %d first_ns %d last_ns %d conns %d\n", s.n, s.first, s.last, s.conns))
			s.mu.Unlock()
		case "POST /reset":
			s.mu.Lock()
			s.n, s.first, s.last, s.conns = 0, 0, 0, 0
			s.mu.Unlock()
			out = reply("")
		default:
			c.Write([]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			return
		}
		if _, err := c.Write(out); err != nil || closing {
			return
		}
	}
}
