package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// VideoInfo is what a video file's header says: its container, picture
// size and duration. The simulator charges a video's prompt tokens from it.
type VideoInfo struct {
	Container     string // webm or mp4
	Width, Height int
	Seconds       float64
}

// ProbeVideo reads a WebM (Matroska) or MP4 file's header.
func ProbeVideo(data []byte) (VideoInfo, error) {
	switch {
	case len(data) >= 4 && binary.BigEndian.Uint32(data) == 0x1A45DFA3:
		return probeWebM(data)
	case len(data) >= 8 && string(data[4:8]) == "ftyp":
		return probeMP4(data)
	}
	return VideoInfo{}, errors.New("not a WebM or MP4 file")
}

// ebml reads one Matroska element header at data[off:]: its id, the start
// and end of its body (end is len(data) for an unknown size).
func ebml(data []byte, off int) (id uint32, start, end int, err error) {
	if off >= len(data) || data[off] == 0 {
		return 0, 0, 0, errors.New("bad element id")
	}
	n := bits.LeadingZeros8(data[off]) + 1
	if n > 4 || off+n > len(data) {
		return 0, 0, 0, errors.New("bad element id")
	}
	for _, b := range data[off : off+n] {
		id = id<<8 | uint32(b)
	}
	off += n
	if off >= len(data) || data[off] == 0 {
		return 0, 0, 0, errors.New("bad element size")
	}
	m := bits.LeadingZeros8(data[off]) + 1
	if off+m > len(data) {
		return 0, 0, 0, errors.New("truncated element size")
	}
	size := uint64(data[off] & (0xFF >> m))
	allOnes := size == uint64(0xFF>>m)
	for _, b := range data[off+1 : off+m] {
		size = size<<8 | uint64(b)
		allOnes = allOnes && b == 0xFF
	}
	start = off + m
	if allOnes || size > uint64(len(data)-start) {
		return id, start, len(data), nil
	}
	return id, start, start + int(size), nil
}

func probeWebM(data []byte) (VideoInfo, error) {
	v := VideoInfo{Container: "webm"}
	scale, duration := 1e6, 0.0 // TimecodeScale's default: 1 ms
	// Descend into Segment, Info, Tracks, TrackEntry and Video; skip the rest.
	masters := map[uint32]bool{0x18538067: true, 0x1549A966: true, 0x1654AE6B: true, 0xAE: true, 0xE0: true}
	var walk func(from, to int) error
	walk = func(from, to int) error {
		for off := from; off < to; {
			id, start, end, err := ebml(data[:to], off)
			if err != nil {
				return err
			}
			body := data[start:end]
			switch {
			case masters[id]:
				if err := walk(start, end); err != nil {
					return err
				}
			case id == 0xB0:
				v.Width = int(uintBE(body))
			case id == 0xBA:
				v.Height = int(uintBE(body))
			case id == 0x2AD7B1:
				scale = float64(uintBE(body))
			case id == 0x4489 && len(body) == 4:
				duration = float64(math.Float32frombits(binary.BigEndian.Uint32(body)))
			case id == 0x4489 && len(body) == 8:
				duration = math.Float64frombits(binary.BigEndian.Uint64(body))
			case id == 0x1F43B675:
				return nil // the first Cluster: the header is over
			}
			off = end
		}
		return nil
	}
	_, _, end, err := ebml(data, 0)
	if err == nil {
		err = walk(end, len(data))
	}
	v.Seconds = duration * scale / 1e9
	return v, checkInfo(v, err)
}

func uintBE(b []byte) uint64 {
	var v uint64
	for _, x := range b[:min(len(b), 8)] {
		v = v<<8 | uint64(x)
	}
	return v
}

func probeMP4(data []byte) (VideoInfo, error) {
	v := VideoInfo{Container: "mp4"}
	var walk func(box []byte) error
	walk = func(box []byte) error {
		for len(box) >= 8 {
			size, kind := int(binary.BigEndian.Uint32(box)), string(box[4:8])
			head := 8
			if size == 1 && len(box) >= 16 {
				size, head = int(binary.BigEndian.Uint64(box[8:])), 16
			}
			if size == 0 || size > len(box) {
				size = len(box)
			}
			if size < head {
				return fmt.Errorf("bad %q box", kind)
			}
			body := box[head:size]
			switch kind {
			case "moov", "trak":
				if err := walk(body); err != nil {
					return err
				}
			case "mvhd":
				v.Seconds = mvhdSeconds(body)
			case "tkhd":
				if len(body) >= 8 {
					w, h := binary.BigEndian.Uint32(body[len(body)-8:]), binary.BigEndian.Uint32(body[len(body)-4:])
					if w > 0 && h > 0 { // an audio track's are zero
						v.Width, v.Height = int(w>>16), int(h>>16)
					}
				}
			}
			box = box[size:]
		}
		return nil
	}
	return v, checkInfo(v, walk(data))
}

// mvhdSeconds is the movie's duration over its timescale.
func mvhdSeconds(b []byte) float64 {
	switch {
	case len(b) >= 20 && b[0] == 0:
		return float64(binary.BigEndian.Uint32(b[16:])) / float64(max(1, binary.BigEndian.Uint32(b[12:])))
	case len(b) >= 32 && b[0] == 1:
		return float64(binary.BigEndian.Uint64(b[24:])) / float64(max(1, binary.BigEndian.Uint32(b[20:])))
	}
	return 0
}

func checkInfo(v VideoInfo, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", v.Container, err)
	}
	if v.Width <= 0 || v.Height <= 0 {
		return fmt.Errorf("%s: no video track with a picture size in its header", v.Container)
	}
	return nil
}

// MP3Seconds is an MP3 file's duration: its MPEG audio frames counted
// (after an ID3v2 tag), each 1,152 samples (576 for MPEG-2 and 2.5).
func MP3Seconds(data []byte) (float64, error) {
	off := 0
	if len(data) >= 10 && string(data[:3]) == "ID3" {
		off = 10 + int(data[6])<<21 | int(data[7])<<14 | int(data[8])<<7 | int(data[9])
	}
	var seconds float64
	frames := 0
	for off+4 <= len(data) {
		h := binary.BigEndian.Uint32(data[off:])
		size, secs, ok := mp3Frame(h)
		if !ok {
			break
		}
		seconds += secs
		frames++
		off += size
	}
	if frames == 0 {
		return 0, errors.New("not an MP3 file (no MPEG audio layer III frame)")
	}
	return seconds, nil
}

// mp3Frame reads a layer III frame header: the frame's bytes and seconds.
func mp3Frame(h uint32) (size int, seconds float64, ok bool) {
	version, layer := (h>>19)&3, (h>>17)&3 // version: 0 = 2.5, 2 = 2, 3 = 1
	rateIdx, brIdx, pad := (h>>10)&3, (h>>12)&15, int((h>>9)&1)
	if h>>21 != 0x7FF || version == 1 || layer != 1 || rateIdx == 3 || brIdx == 0 || brIdx == 15 {
		return 0, 0, false
	}
	rate := [4]int{11025, 12000, 8000}[rateIdx] // MPEG-2.5
	kbps := [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}[brIdx]
	samples := 576
	switch version {
	case 2:
		rate *= 2
	case 3:
		rate *= 4
		samples = 1152
		kbps = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}[brIdx]
	}
	return samples/8*kbps*1000/rate + pad, float64(samples) / float64(rate), true
}
