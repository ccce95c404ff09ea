package media

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// AudioSpec is the audio clips of each turn (AIPerf's --audio-* options).
type AudioSpec struct {
	LengthMean, LengthStddev float64   // seconds
	Batch                    int       // clips per turn
	Format                   string    // wav or mp3 (through FFmpeg)
	Depths                   []int     // bits per sample, one drawn per clip
	SampleRates              []float64 // kHz, one drawn per clip
	Channels                 int       // 1 or 2
}

// Enabled reports whether turns carry audio.
func (s *AudioSpec) Enabled() bool { return s != nil && s.Batch > 0 && s.LengthMean > 0 }

// Audio is one encoded clip, ready to send as an input_audio part.
type Audio struct {
	Format  string  // "wav" or "mp3"
	Seconds float64 // its duration
	Bytes   int     // the encoded file's size
	Hash    string  // the first 16 hex digits of the file's SHA-256
	Data    string  // the file, base64
}

// Ref names the clip without its bytes: what inputs.json shows.
func (a Audio) Ref() string {
	return fmt.Sprintf("sonde-audio:%s;%.3fs;bytes=%d;sha256=%s", a.Format, a.Seconds, a.Bytes, a.Hash)
}

// PlannedAudio is a clip drawn but not yet made (see Planned).
type PlannedAudio struct {
	Seconds         float64
	Depth, Channels int
	SampleRateHz    int
	seed            uint64
	ffmpeg          string // set for mp3: the encoder
}

// AudioMaker draws a run's clips from its seed.
type AudioMaker struct {
	spec   AudioSpec
	r      *rand.Rand
	ffmpeg string
}

// NewAudioMaker checks the spec.
func NewAudioMaker(spec AudioSpec, seed uint64) (*AudioMaker, error) {
	var ffmpeg string
	switch spec.Format {
	case "", "wav":
	case "mp3":
		// No maintained pure-Go MP3 encoder is published; FFmpeg's
		// LAME encodes the same noise sonde writes as WAV.
		for _, k := range spec.SampleRates {
			if !slices.Contains(mp3Rates(), k) {
				return nil, fmt.Errorf("--audio-sample-rates %g: MP3 takes 8, 11.025, 12, 16, 22.05, 24, 32, 44.1 or 48 kHz", k)
			}
		}
		var err error
		if ffmpeg, err = FFmpeg("--audio-format mp3"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("--audio-format %q: wav or mp3", spec.Format)
	}
	for _, d := range spec.Depths {
		if d != 8 && d != 16 && d != 24 && d != 32 {
			return nil, fmt.Errorf("--audio-depths %d: one of 8, 16, 24, 32 bits", d)
		}
	}
	for _, k := range spec.SampleRates {
		if k < 1 || k > 384 {
			return nil, fmt.Errorf("--audio-sample-rates %g: in kHz, 1 to 384 (16 for speech, 44.1 or 48 for music)", k)
		}
	}
	if spec.Channels != 0 && spec.Channels != 1 && spec.Channels != 2 {
		return nil, fmt.Errorf("--audio-num-channels %d: 1 (mono) or 2 (stereo)", spec.Channels)
	}
	return &AudioMaker{spec: spec, r: rand.New(rand.NewPCG(seed, 0x617564696f)), ffmpeg: ffmpeg}, nil
}

// Turn draws one turn's clips.
func (m *AudioMaker) Turn() []PlannedAudio {
	out := make([]PlannedAudio, 0, m.spec.Batch)
	for range m.spec.Batch {
		p := PlannedAudio{Seconds: max(0.01, m.spec.LengthMean+m.spec.LengthStddev*m.r.NormFloat64()), Depth: 16, Channels: max(m.spec.Channels, 1), SampleRateHz: 16000}
		if n := len(m.spec.Depths); n > 0 {
			p.Depth = m.spec.Depths[m.r.IntN(n)]
		}
		if n := len(m.spec.SampleRates); n > 0 {
			p.SampleRateHz = int(math.Round(m.spec.SampleRates[m.r.IntN(n)] * 1000))
		}
		p.seed, p.ffmpeg = m.r.Uint64(), m.ffmpeg
		out = append(out, p)
	}
	return out
}

// RenderAudio makes the planned clips on every core.
func RenderAudio(plans []PlannedAudio, workers int) ([]Audio, error) {
	return onEveryCore(plans, workers, (*PlannedAudio).render)
}

// render writes the clip: WAV, or MP3 encoded from it by FFmpeg.
func (p *PlannedAudio) render() (Audio, error) {
	data, format := p.wav(), "wav"
	seconds := float64(p.frames()) / float64(p.SampleRateHz)
	if p.ffmpeg != "" {
		var err error
		if data, err = encodeMP3(p.ffmpeg, data); err != nil {
			return Audio{}, err
		}
		format = "mp3"
	}
	return encodedAudio(data, format, seconds), nil
}

func (p *PlannedAudio) frames() int { return int(math.Round(p.Seconds * float64(p.SampleRateHz))) }

// wav is Gaussian noise (σ a quarter of full scale) as a PCM WAV file.
func (p *PlannedAudio) wav() []byte {
	frames := p.frames()
	width := p.Depth / 8
	data := WAVHeader(frames, p.SampleRateHz, p.Channels, p.Depth)
	r := rand.New(rand.NewPCG(p.seed, 0))
	full := float64(int64(1)<<(p.Depth-1)) - 1
	var b [4]byte
	for range frames * p.Channels {
		v := int64(math.Max(-full, math.Min(full, r.NormFloat64()*full/4)))
		if p.Depth == 8 {
			data = append(data, byte(v+128)) // 8-bit WAV is unsigned
			continue
		}
		binary.LittleEndian.PutUint32(b[:], uint32(v))
		data = append(data, b[:width]...)
	}
	return data
}

// mp3Rates are the sample rates MPEG-1, 2 and 2.5 layer III define, kHz.
func mp3Rates() []float64 { return []float64{8, 11.025, 12, 16, 22.05, 24, 32, 44.1, 48} }

// WAVHeader is the 44-byte RIFF header of a PCM WAV file of frames frames.
func WAVHeader(frames, rate, channels, depth int) []byte {
	size := frames * channels * depth / 8
	h := make([]byte, 44, 44+size)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+size))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*depth/8))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*depth/8))
	binary.LittleEndian.PutUint16(h[34:], uint16(depth))
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(size))
	return h
}

// WAVSeconds reads a WAV file's duration from its header: the data
// chunk's size over the byte rate.
func WAVSeconds(head []byte) (float64, error) {
	if len(head) < 12 || string(head[:4]) != "RIFF" || string(head[8:12]) != "WAVE" {
		return 0, fmt.Errorf("not a WAV file")
	}
	rate := 0
	for off := 12; off+8 <= len(head); {
		id, size := string(head[off:off+4]), int(binary.LittleEndian.Uint32(head[off+4:]))
		switch {
		case id == "fmt " && off+8+16 <= len(head):
			rate = int(binary.LittleEndian.Uint32(head[off+8+8:]))
		case id == "data":
			if rate <= 0 {
				return 0, fmt.Errorf("a WAV file without its format before its data")
			}
			return float64(size) / float64(rate), nil
		}
		off += 8 + size + size%2
	}
	return 0, fmt.Errorf("a WAV file without a data chunk")
}
