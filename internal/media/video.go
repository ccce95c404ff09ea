package media

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// VideoSpec is the videos of each turn (AIPerf's --video-* options).
type VideoSpec struct {
	Width, Height int
	FPS           int
	Duration      float64 // seconds
	Batch         int     // videos per turn
	Synth         string  // moving_shapes, grid_clock or noise
	Format        string  // webm or mp4
	Codec         string  // any FFmpeg video encoder
	// The embedded audio track: none when Channels is 0.
	AudioRateKHz float64
	AudioChans   int
	AudioCodec   string // empty: libvorbis for webm, libopus for mp4
	AudioDepth   int
}

// Enabled reports whether turns carry videos: both sides set, as AIPerf.
func (s *VideoSpec) Enabled() bool { return s != nil && s.Batch > 0 && s.Width > 0 && s.Height > 0 }

// Synths are --video-synth-type's choices, the default first.
func Synths() []string { return []string{"moving_shapes", "grid_clock", "noise"} }

// Video is one encoded clip, ready to send as a video_url part.
type Video struct {
	Format        string // webm or mp4
	Width, Height int
	Frames        int
	Seconds       float64
	Bytes         int
	Hash          string // the first 16 hex digits of the file's SHA-256
	URL           string // data:video/<format>;base64,…, or a URL as given
}

// Ref names the video without its bytes: what inputs.json shows.
func (v Video) Ref() string {
	switch {
	case v.Hash == "" && strings.HasPrefix(v.URL, "data:"):
		return "sonde-video:data-url;chars=" + strconv.Itoa(len(v.URL))
	case v.Hash == "":
		return v.URL
	case v.Frames == 0: // a dataset's file: its frame rate unread
		return fmt.Sprintf("sonde-video:%s;%dx%d;%.3fs;bytes=%d;sha256=%s", v.Format, v.Width, v.Height, v.Seconds, v.Bytes, v.Hash)
	}
	return fmt.Sprintf("sonde-video:%s;%dx%d;frames=%d;bytes=%d;sha256=%s", v.Format, v.Width, v.Height, v.Frames, v.Bytes, v.Hash)
}

// encodedVideo is a video file as sent: its data URL, size and hash.
func encodedVideo(data []byte, format string, w, h, frames int, seconds float64) Video {
	return Video{Format: format, Width: w, Height: h, Frames: frames, Seconds: seconds, Bytes: len(data), Hash: sha256Hex(data),
		URL: "data:video/" + format + ";base64," + base64.StdEncoding.EncodeToString(data)}
}

// PlannedVideo is a video drawn but not yet made (see Planned).
type PlannedVideo struct {
	spec VideoSpec
	seed uint64
}

// VideoMaker draws a run's videos from its seed.
type VideoMaker struct {
	spec   VideoSpec
	r      *rand.Rand
	ffmpeg string
}

// NewVideoMaker checks the spec and finds FFmpeg, which encodes the
// videos (sonde draws their frames).
func NewVideoMaker(spec VideoSpec, seed uint64) (*VideoMaker, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	ffmpeg, err := FFmpeg("video inputs (--video-width/--video-height)")
	if err != nil {
		return nil, err
	}
	return &VideoMaker{spec: spec, r: rand.New(rand.NewPCG(seed, 0x766964656f)), ffmpeg: ffmpeg}, nil
}

// check refuses what FFmpeg would refuse later, naming the flag.
func (s *VideoSpec) check() error {
	switch {
	case s.Width <= 0 || s.Height <= 0:
		return fmt.Errorf("--video-width and --video-height: set both, in pixels")
	case s.Width%2 != 0 || s.Height%2 != 0:
		return fmt.Errorf("--video-width %d --video-height %d: even sizes (4:2:0 video halves them)", s.Width, s.Height)
	case s.Width > 7680 || s.Height > 4320:
		return fmt.Errorf("--video-width %d --video-height %d: at most 7680×4320", s.Width, s.Height)
	case s.FPS < 1 || s.FPS > 240:
		return fmt.Errorf("--video-fps %d: 1 to 240", s.FPS)
	case !(s.Duration > 0) || s.Duration > 600:
		return fmt.Errorf("--video-duration %g: seconds, above 0 and at most 600", s.Duration)
	case !slices.Contains(Synths(), s.Synth):
		return fmt.Errorf("--video-synth-type %q: one of %s", s.Synth, strings.Join(Synths(), ", "))
	case s.Format != "webm" && s.Format != "mp4":
		return fmt.Errorf("--video-format %q: webm or mp4", s.Format)
	case strings.TrimSpace(s.Codec) == "" || strings.HasPrefix(s.Codec, "-"):
		return fmt.Errorf("--video-codec %q: an FFmpeg video encoder such as libvpx-vp9 or libx264", s.Codec)
	case s.AudioChans < 0 || s.AudioChans > 2:
		return fmt.Errorf("--video-audio-num-channels %d: 0 (none), 1 or 2", s.AudioChans)
	case s.AudioChans > 0 && (s.AudioRateKHz < 8 || s.AudioRateKHz > 96):
		return fmt.Errorf("--video-audio-sample-rate %g: kHz, 8 to 96", s.AudioRateKHz)
	case s.AudioChans > 0 && !slices.Contains([]int{8, 16, 24, 32}, s.AudioDepth):
		return fmt.Errorf("--video-audio-depth %d: 8, 16, 24 or 32 bits", s.AudioDepth)
	case strings.HasPrefix(s.AudioCodec, "-"):
		return fmt.Errorf("--video-audio-codec %q: an FFmpeg audio encoder such as libvorbis or libopus", s.AudioCodec)
	}
	return nil
}

// Frames is the number of frames of each video: duration × fps.
func (s *VideoSpec) Frames() int { return max(1, int(math.Round(s.Duration*float64(s.FPS)))) }

// Turn draws one turn's videos.
func (m *VideoMaker) Turn() []PlannedVideo {
	out := make([]PlannedVideo, m.spec.Batch)
	for i := range out {
		out[i] = PlannedVideo{spec: m.spec, seed: m.r.Uint64()}
	}
	return out
}

// RenderVideos makes the planned videos, one FFmpeg per core at a time.
func (m *VideoMaker) RenderVideos(plans []PlannedVideo, workers int) ([]Video, error) {
	return onEveryCore(plans, workers, func(p *PlannedVideo) (Video, error) { return p.render(m.ffmpeg) })
}

// render draws the frames and has FFmpeg encode them (with the audio
// track, when asked).
func (p *PlannedVideo) render(ffmpeg string) (Video, error) {
	s := p.spec
	frames := s.Frames()
	var track []byte
	if s.AudioChans > 0 {
		a := PlannedAudio{Seconds: float64(frames) / float64(s.FPS), Depth: s.AudioDepth, Channels: s.AudioChans,
			SampleRateHz: int(math.Round(s.AudioRateKHz * 1000)), seed: p.seed ^ 0x617564696f}
		track = a.wav()
	}
	draw := newPainter(s.Synth, s.Width, s.Height, p.seed)
	data, err := encodeVideo(ffmpeg, s, frames, draw, track)
	if err != nil {
		return Video{}, err
	}
	return encodedVideo(data, s.Format, s.Width, s.Height, frames, float64(frames)/float64(s.FPS)), nil
}
