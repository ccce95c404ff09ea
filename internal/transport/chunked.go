package transport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// chunkedReader decodes a chunked body in place: a Read fills p with as
// many bytes as one read of the connection gives (many chunks when the
// server is ahead) and moves each chunk's data over the framing before it.
// One system call per read, not two per chunk (the data, then its CRLF and
// the next size line), and a Read returns as soon as its read did, so the
// SSE stamps are the arrivals' and events that came together share one.
type chunkedReader struct {
	br    *bufio.Reader
	state chunkState
	left  int64    // data bytes left in the current chunk
	line  []byte   // a size, chunk-end or trailer line cut by the end of a read
	short [40]byte // line's first space: a cut size line costs no allocation
	extra bool     // bytes came after the body's end: the connection is not reusable
}

type chunkState uint8

const (
	chunkSize    chunkState = iota // reading a size line
	chunkData                      // reading left bytes of data
	chunkEnd                       // reading the line break after the data
	chunkTrailer                   // reading trailers, up to a blank line
	chunkDone
)

// maxChunkLine bounds a size or trailer line (extensions included), as
// readLine bounds a head's line.
const maxChunkLine = 1 << 20

func (c *chunkedReader) Read(p []byte) (int, error) {
	for {
		if c.state == chunkDone {
			return 0, io.EOF
		}
		if len(p) == 0 {
			return 0, nil
		}
		n, err := c.br.Read(p)
		w, derr := c.decode(p[:n])
		switch {
		case derr != nil:
			return w, derr
		case c.state == chunkDone:
			return w, io.EOF
		case err != nil:
			return w, unexpected(err)
		case w > 0:
			return w, nil
		}
	}
}

// decode turns the raw bytes b into body bytes in place, b[:w]: data only
// ever moves left over the framing that came before it.
func (c *chunkedReader) decode(b []byte) (w int, err error) {
	for i := 0; i < len(b); {
		switch c.state {
		case chunkData:
			k := int(min(int64(len(b)-i), c.left))
			if w != i { // data that continues a chunk from the last read is in place already
				copy(b[w:], b[i:i+k])
			}
			w, i = w+k, i+k
			if c.left -= int64(k); c.left == 0 {
				c.state = chunkEnd
			}
		case chunkDone:
			c.extra = true
			return w, nil
		default:
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				if c.line == nil {
					c.line = c.short[:0]
				}
				if c.line = append(c.line, b[i:]...); len(c.line) > maxChunkLine {
					return w, errors.New("malformed chunked encoding: a chunk size or trailer line longer than 1 MB")
				}
				return w, nil
			}
			line := b[i : i+j]
			if len(c.line) > 0 {
				c.line = append(c.line, line...)
				line = c.line
			}
			i += j + 1
			err := c.endLine(bytes.TrimSuffix(line, []byte{'\r'}))
			c.line = c.line[:0]
			if err != nil {
				return w, err
			}
		}
	}
	return w, nil
}

// endLine acts on one whole line of framing.
func (c *chunkedReader) endLine(line []byte) error {
	switch c.state {
	case chunkEnd: // whatever it holds, as before: the data's length is what counts
		c.state = chunkSize
	case chunkTrailer:
		if len(line) == 0 {
			c.state = chunkDone
		}
	case chunkSize:
		size := line
		if i := bytes.IndexByte(size, ';'); i >= 0 {
			size = size[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64) // a string that does not escape: no allocation
		if err != nil || n < 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			c.state = chunkTrailer
		} else {
			c.state, c.left = chunkData, n
		}
	}
	return nil
}
