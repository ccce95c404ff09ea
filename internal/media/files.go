package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MaxFile is the largest media file read from a dataset.
const MaxFile = 64 << 20

// readFile reads a dataset's media file, refusing one over MaxFile.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFile {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, MaxFile>>20)
	}
	return data, nil
}

// AudioFromFile reads a WAV or MP3 file into a clip to send.
func AudioFromFile(path string) (Audio, error) {
	data, err := readFile(path)
	if err != nil {
		return Audio{}, err
	}
	return AudioFromBytes(data)
}

// AudioFromBytes is a WAV or MP3 file as a clip to send, its duration read
// from its header (WAV) or frames (MP3).
func AudioFromBytes(data []byte) (Audio, error) {
	a := Audio{Format: "wav"}
	var err error
	if a.Seconds, err = WAVSeconds(data); err != nil {
		a.Format = "mp3"
		if a.Seconds, err = MP3Seconds(data); err != nil {
			return Audio{}, fmt.Errorf("not a WAV or MP3 file")
		}
	}
	return encodedAudio(data, a.Format, a.Seconds), nil
}

// AudioFromString reads a dataset's audio: AIPerf's "format,base64"
// string, a base64 data URL (data:audio/wav;base64,…), or a file path
// (relative to dir when not found as given). Remote URLs are refused: an
// input_audio part carries the clip itself.
func AudioFromString(ref, dir string) (Audio, error) {
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		return Audio{}, fmt.Errorf("%.60s: an input_audio part carries the clip, not a URL: give a file or its base64", ref)
	}
	if head, b64, ok := strings.Cut(ref, ","); ok && (head == "wav" || head == "mp3" || strings.HasPrefix(head, "data:audio/")) {
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return Audio{}, fmt.Errorf("%.40s…: not base64: %v", ref, err)
		}
		return AudioFromBytes(data)
	}
	if data, ok := rawBase64(ref); ok {
		return AudioFromBytes(data)
	}
	return AudioFromFile(beside(ref, dir))
}

// VideoFromString reads a dataset's video: an http(s) or data URL, sent
// as is, or a WebM or MP4 file (relative to dir when not found as given),
// sent as a data URL.
func VideoFromString(ref, dir string) (Video, error) {
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "data:") {
		return Video{URL: ref}, nil
	}
	data, ok := rawBase64(ref)
	if !ok {
		var err error
		if data, err = readFile(beside(ref, dir)); err != nil {
			return Video{}, err
		}
	}
	info, err := ProbeVideo(data)
	if err != nil {
		return Video{}, fmt.Errorf("%s: %v", ref, err)
	}
	return encodedVideo(data, info.Container, info.Width, info.Height, 0, info.Seconds), nil
}

// ImageFromString reads a dataset's image: an http(s) or data URL, sent as
// is; "" (a reference to an image sent before, by its uuid); a file's
// bytes in base64; or a PNG or JPEG file (relative to dir when not found
// as given), sent as a data URL.
func ImageFromString(ref, dir string) (Image, error) {
	if ref == "" || strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "data:") {
		return Remote(ref), nil
	}
	if data, ok := rawBase64(ref); ok {
		return FromBytes(data)
	}
	return FromFile(beside(ref, dir))
}

// rawBase64 is a medium given as its file's bytes in base64 (a dataset
// may carry them so): at least 256 characters, no dot (a file name has
// its extension), all of them base64.
func rawBase64(ref string) ([]byte, bool) {
	if len(ref) < 256 || strings.Contains(ref, ".") {
		return nil, false
	}
	data, err := base64.StdEncoding.DecodeString(ref)
	return data, err == nil
}

// beside is path as given when it exists or is absolute, else relative to
// dir (a dataset's own folder).
func beside(path, dir string) string {
	if _, err := os.Stat(path); err != nil && !filepath.IsAbs(path) {
		return filepath.Join(dir, path)
	}
	return path
}

// encodedAudio is a clip's file as sent: base64, its size and hash.
func encodedAudio(data []byte, format string, seconds float64) Audio {
	h := sha256Hex(data)
	return Audio{Format: format, Seconds: seconds, Bytes: len(data), Hash: h, Data: base64.StdEncoding.EncodeToString(data)}
}

// sha256Hex is the first 16 hex digits of data's SHA-256: what names a
// medium in inputs.json.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// DecodeAudio is a dataset's clip in any format FFmpeg reads (FLAC,
// Opus, …) as a clip to send: WAV and MP3 as they are, others converted
// to 16-bit WAV by FFmpeg.
func DecodeAudio(data []byte) (Audio, error) {
	if a, err := AudioFromBytes(data); err == nil {
		return a, nil
	}
	ffmpeg, err := FFmpeg("an audio clip that is not WAV or MP3")
	if err != nil {
		return Audio{}, err
	}
	dir, err := os.MkdirTemp("", "sonde-audio-")
	if err != nil {
		return Audio{}, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "a.wav")
	if err := run(ffmpeg, bytes.NewReader(data), "-i", "pipe:0", "-c:a", "pcm_s16le", "-f", "wav", out); err != nil {
		return Audio{}, err
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		return Audio{}, err
	}
	return AudioFromBytes(wav)
}
