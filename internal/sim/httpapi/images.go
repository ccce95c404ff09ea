package httpapi

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/maphash"
	"image"
	_ "image/jpeg" // the formats a client sends
	_ "image/png"
	"strings"

	"github.com/sonde-bench/sonde/internal/media"
	"github.com/sonde-bench/sonde/internal/openai"
)

// imagePatch is the side in pixels of one image token: a 14-pixel vision
// patch merged 2×2, as Qwen2-VL and its kin tile an image (vLLM reports
// these tokens in usage.prompt_tokens).
const imagePatch = 28

// remoteImageTokens charges an image the simulator cannot see (an http URL:
// it fetches nothing) as a 448×448 one.
const remoteImageTokens = (448 / imagePatch) * (448 / imagePatch)

// imageTokens appends the prompt tokens of an image_url part: as many as
// its patches, their ids derived from the image's bytes, so the same image
// in a later turn's history is the same prefix (a cache can serve it).
// A part with a uuid and no URL is an image sent before under that uuid
// (vLLM's cache reference): unknown, it is refused as vLLM refuses it.
func (p *promptTokens) imageTokens(im openai.Image, dst []int32) ([]int32, error) {
	if im.UUID != "" && im.URL == "" {
		n, ok := p.uuids.Load(im.UUID)
		if !ok {
			return dst, fmt.Errorf("image_url: uuid %q refers to no image sent before (send its content once)", im.UUID)
		}
		return p.mediaIDs("uuid:"+im.UUID, n.(int), dst), nil
	}
	n, err := imageSize(im.URL)
	if err != nil {
		return dst, err
	}
	if im.UUID != "" {
		p.uuids.Store(im.UUID, n)
		return p.mediaIDs("uuid:"+im.UUID, n, dst), nil
	}
	return p.mediaIDs(im.URL, n, dst), nil
}

// mediaIDs appends n token ids derived from a medium's bytes (its URL or
// data): the same image or clip gives the same ids, below 2^20.
func (p *promptTokens) mediaIDs(data string, n int, dst []int32) []int32 {
	h := maphash.String(p.seed, data)
	for i := range n {
		dst = append(dst, int32((h+uint64(i)*0x9e3779b97f4a7c15)>>44))
	}
	return dst
}

// imageSize is an image's token count: ceil(w/28) × ceil(h/28), at least 4,
// from the header of a base64 data URL.
func imageSize(url string) (int, error) {
	if !strings.HasPrefix(url, "data:") {
		return remoteImageTokens, nil
	}
	_, data, ok := strings.Cut(url, ";base64,")
	if !ok {
		return 0, fmt.Errorf("image_url: a data URL must be base64 (data:image/png;base64,…)")
	}
	cfg, err := imageConfig(data[:min(len(data), 64<<10)]) // the header is at the start
	if err != nil && len(data) > 64<<10 {
		cfg, err = imageConfig(data) // a JPEG whose metadata comes first
	}
	if err != nil {
		return 0, err
	}
	tiles := ((cfg.Width + imagePatch - 1) / imagePatch) * ((cfg.Height + imagePatch - 1) / imagePatch)
	return max(tiles, 4), nil
}

// imageConfig reads the size of a base64 image, or of its start.
func imageConfig(b64 string) (image.Config, error) {
	raw, err := base64.StdEncoding.DecodeString(b64[:len(b64)/4*4])
	if err != nil {
		return image.Config{}, fmt.Errorf("image_url: not base64: %v", err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return cfg, fmt.Errorf("image_url: not a PNG or JPEG image: %v", err)
	}
	return cfg, nil
}

// audioTokensPerSecond is what an audio encoder makes of a second of sound:
// one token per 40 ms, as Qwen2-Audio's does.
const audioTokensPerSecond = 25

// audioTokens appends the prompt tokens of an input_audio part: 25 a
// second of the WAV or MP3 clip, their ids derived from its bytes.
func (p *promptTokens) audioTokens(a openai.Audio, dst []int32) ([]int32, error) {
	var seconds float64
	switch a.Format {
	case "wav":
		head := a.Data[:min(len(a.Data), 1024)]
		raw, err := base64.StdEncoding.DecodeString(head[:len(head)/4*4])
		if err != nil {
			return dst, fmt.Errorf("input_audio: data is not base64: %v", err)
		}
		if seconds, err = media.WAVSeconds(raw); err != nil {
			return dst, fmt.Errorf("input_audio: %v", err)
		}
	case "mp3":
		raw, err := base64.StdEncoding.DecodeString(a.Data)
		if err != nil {
			return dst, fmt.Errorf("input_audio: data is not base64: %v", err)
		}
		if seconds, err = media.MP3Seconds(raw); err != nil {
			return dst, fmt.Errorf("input_audio: %v", err)
		}
	default:
		return dst, fmt.Errorf("input_audio: format %q: the simulator reads wav and mp3", a.Format)
	}
	return p.mediaIDs(a.Data, max(1, int(seconds*audioTokensPerSecond+0.5)), dst), nil
}

// videoSampleFPS is the frame rate a video encoder samples at (Qwen2-VL's
// default, 2 frames a second), each pair of frames merged into one
// image's tokens.
const videoSampleFPS = 2

// videoTokens appends the prompt tokens of a video_url part: its frames
// sampled at 2 a second, merged in pairs, each pair as an image of the
// video's size; their ids derived from its bytes.
func (p *promptTokens) videoTokens(v openai.Video, dst []int32) ([]int32, error) {
	info := media.VideoInfo{Width: 448, Height: 448, Seconds: 5} // one it cannot see (an http URL)
	if strings.HasPrefix(v.URL, "data:") {
		_, data, ok := strings.Cut(v.URL, ";base64,")
		if !ok {
			return dst, fmt.Errorf("video_url: a data URL must be base64 (data:video/webm;base64,…)")
		}
		var err error
		if info, err = probeVideo(data); err != nil {
			return dst, err
		}
	}
	pairs := max(1, int(info.Seconds*videoSampleFPS+1)/2)
	tiles := ((info.Width + imagePatch - 1) / imagePatch) * ((info.Height + imagePatch - 1) / imagePatch)
	return p.mediaIDs(v.URL, min(pairs*max(tiles, 4), maxVideoTokens), dst), nil
}

// probeVideo reads a base64 video's header from its first 64 KiB (a
// WebM's Info and Tracks, a fast-start MP4's moov, come first), the whole
// file only when they are not there: each request resends its history's
// videos, and decoding megabytes of each would be the simulator's cost,
// not the model's.
func probeVideo(b64 string) (media.VideoInfo, error) {
	if len(b64) > 64<<10 {
		if raw, err := base64.StdEncoding.DecodeString(b64[:64<<10]); err == nil {
			if info, err := media.ProbeVideo(raw); err == nil && info.Seconds > 0 {
				return info, nil
			}
		}
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return media.VideoInfo{}, fmt.Errorf("video_url: not base64: %v", err)
	}
	info, err := media.ProbeVideo(raw)
	if err != nil {
		return info, fmt.Errorf("video_url: %v", err)
	}
	return info, nil
}

// maxVideoTokens bounds one video's tokens (a long 4K clip would be
// millions): vLLM's models cap theirs by max_pixels likewise.
const maxVideoTokens = 65536
