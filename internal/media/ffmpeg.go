package media

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// FFmpeg finds the ffmpeg program, which encodes what Go's standard
// library cannot (VP9, H.264, MP3), as AIPerf calls it. what names the
// option that needs it, for the error.
func FFmpeg(what string) (string, error) {
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", fmt.Errorf("%s: sonde encodes them with FFmpeg, and ffmpeg is not on PATH: install it (Debian/Ubuntu: apt install ffmpeg; Fedora: dnf install ffmpeg; macOS: brew install ffmpeg)", what)
	}
	return path, nil
}

// run runs ffmpeg quietly, stdin its input; its own error message on
// failure.
func run(ffmpeg string, stdin io.Reader, args ...string) error {
	cmd := exec.Command(ffmpeg, append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 400 {
			msg = msg[len(msg)-400:]
		}
		return fmt.Errorf("ffmpeg: %v: %s", err, msg)
	}
	return nil
}

// encodeMP3 encodes a WAV file as MP3 (LAME's default quality).
func encodeMP3(ffmpeg string, wav []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "sonde-audio-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "a.mp3")
	if err := run(ffmpeg, bytes.NewReader(wav), "-f", "wav", "-i", "pipe:0", "-c:a", "libmp3lame", "-fflags", "+bitexact", "-flags:a", "+bitexact",
		"-id3v2_version", "0", "-write_xing", "0", "-f", "mp3", out); err != nil {
		return nil, fmt.Errorf("--audio-format mp3: %w", err)
	}
	return os.ReadFile(out)
}

// encodeVideo has FFmpeg encode frames raw RGB frames drawn by draw, with
// track (a WAV file) as its sound when given. The frames are drawn as
// FFmpeg reads them, one at a time (a whole 1080p clip of raw frames would
// be gigabytes). One thread per FFmpeg keeps the bytes the same from run
// to run; the videos are encoded in parallel.
func encodeVideo(ffmpeg string, s VideoSpec, frames int, draw painter, track []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "sonde-video-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := []string{"-f", "rawvideo", "-pix_fmt", "rgb24", "-s", fmt.Sprintf("%dx%d", s.Width, s.Height),
		"-framerate", strconv.Itoa(s.FPS), "-i", "pipe:0"}
	if track != nil {
		wav := filepath.Join(dir, "track.wav")
		if err := os.WriteFile(wav, track, 0o600); err != nil {
			return nil, err
		}
		args = append(args, "-i", wav, "-map", "0:v", "-map", "1:a", "-c:a", s.audioCodec(), "-shortest")
	}
	args = append(args, "-c:v", s.Codec, "-threads", "1", "-pix_fmt", "yuv420p")
	if s.Codec == "libvpx" || s.Codec == "libvpx-vp9" {
		// Synthetic frames need no quality search: the fastest of VP8's
		// and VP9's settings, 7× faster than their default.
		args = append(args, "-deadline", "realtime", "-cpu-used", "8")
	}
	out := filepath.Join(dir, "v."+s.Format)
	args = append(args, "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact")
	if s.Format == "mp4" {
		args = append(args, "-movflags", "+faststart") // the header first, as a server streaming it reads
	}
	args = append(args, "-f", s.Format, out)
	raw := &frameReader{draw: draw, frames: frames, buf: make([]byte, 0, s.Width*s.Height*3)}
	if err := run(ffmpeg, raw, args...); err != nil {
		return nil, fmt.Errorf("--video-codec %s --video-format %s: %w", s.Codec, s.Format, err)
	}
	return os.ReadFile(out)
}

// audioCodec is the embedded track's encoder: the one asked for, else
// Vorbis in WebM and Opus in MP4 (AIPerf's choice).
func (s VideoSpec) audioCodec() string {
	switch {
	case s.AudioCodec != "":
		return s.AudioCodec
	case s.Format == "mp4":
		return "libopus"
	}
	return "libvorbis"
}

// frameReader reads the video's raw frames, each drawn when the one before
// has been read.
type frameReader struct {
	draw        painter
	frames, i   int
	buf, unread []byte
}

func (r *frameReader) Read(p []byte) (int, error) {
	if len(r.unread) == 0 {
		if r.i == r.frames {
			return 0, io.EOF
		}
		r.buf = r.draw(r.buf[:0], r.i)
		r.unread, r.i = r.buf, r.i+1
	}
	n := copy(p, r.unread)
	r.unread = r.unread[n:]
	return n, nil
}
