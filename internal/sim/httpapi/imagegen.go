package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sonde-bench/sonde/internal/media"
)

// Image generation's model, on purpose simple: a text encoder's prefill,
// then denoising whose time grows with the pixels, as a diffusion model's
// does — 20 ms and 10 ms per 65,536 pixels (256×256: 30 ms; 512×512:
// 60 ms). Images are at most maxGenSide a side (larger sizes are drawn at
// it, so the simulator's own cost stays small) and 256×256 by default.
const (
	denoiseBase     = 20 * time.Millisecond
	denoisePerTile  = 10 * time.Millisecond
	maxGenSide      = 512
	defaultGenSide  = 256
	imageTokenPatch = 32 // a generated image's tokens: one per 32×32 patch
)

// imageGenRequest is OpenAI's images API body (and SGLang's).
type imageGenRequest struct {
	Prompt        *string `json:"prompt"`
	Model         string  `json:"model"`
	N             *int    `json:"n"`
	Size          string  `json:"size"`
	Stream        bool    `json:"stream"`
	PartialImages int     `json:"partial_images"`
}

// imageGen answers POST /v1/images/generations: n PNG images of the size
// asked, whole ({"created", "data": [{"b64_json"}], "usage"}) or streamed
// as OpenAI streams them (image_generation.partial_image events, the
// partial_images asked for, before each image_generation.completed).
func (s *Server) imageGen(w http.ResponseWriter, r *http.Request) { s.images(w, r, parseImageGen) }

// imageEdit answers POST /v1/images/edits: a multipart form with the
// reference image (or SGLang's url), the prompt, n and size; the answer
// is image generation's, whole, at the reference's size unless one is asked.
func (s *Server) imageEdit(w http.ResponseWriter, r *http.Request) { s.images(w, r, parseImageEdit) }

// images answers an images request that parse reads.
func (s *Server) images(w http.ResponseWriter, r *http.Request, parse func([]byte, error) (imageGenRequest, int, int, string)) {
	n, arrival, rec, body, err := s.begin(r)
	defer s.end(rec, arrival, body)
	req, width, height, msg := parse(body, err)
	if msg != "" {
		badRequest(w, rec, msg)
		return
	}
	if _, answered := s.fault(w, rec, n); answered {
		return
	}
	b64, err := s.picture(width, height)
	if err != nil {
		rec.Status = http.StatusInternalServerError
		writeError(w, rec.Status, err.Error(), "InternalServerError")
		return
	}
	count := 1
	if req.N != nil {
		count = *req.N
	}
	rec.PromptTokens = len(s.prompts.ids(*req.Prompt, nil))
	rec.TokensSent = count
	tiles := (width + imageTokenPatch - 1) / imageTokenPatch * ((height + imageTokenPatch - 1) / imageTokenPatch)
	usage := map[string]any{"input_tokens": rec.PromptTokens, "output_tokens": count * tiles, "total_tokens": rec.PromptTokens + count*tiles,
		"input_tokens_details": map[string]int{"text_tokens": rec.PromptTokens, "image_tokens": 0}}
	denoise := denoiseBase + time.Duration(width*height/65536)*denoisePerTile
	size := fmt.Sprintf("%dx%d", width, height)
	if !req.Stream {
		if !sleepCtx(r.Context(), time.Duration(count)*denoise) {
			return
		}
		data := make([]map[string]string, count)
		for i := range data {
			data[i] = map[string]string{"b64_json": b64}
		}
		writeJSON(w, http.StatusOK, map[string]any{"created": arrival.Unix(), "data": data, "size": size, "output_format": "png", "usage": usage})
		return
	}
	s.streamImages(w, r.Context(), rec, count, req.PartialImages, denoise, map[string]any{"b64_json": b64, "created_at": arrival.Unix(), "size": size,
		"quality": "auto", "background": "opaque", "output_format": "png"}, usage)
}

// parseImageGen checks an images request; msg says what is wrong.
func parseImageGen(body []byte, readErr error) (req imageGenRequest, width, height int, msg string) {
	if readErr != nil {
		return req, 0, 0, "reading body: " + readErr.Error()
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, 0, 0, "invalid JSON body: " + err.Error()
	}
	switch {
	case req.Prompt == nil || *req.Prompt == "":
		return req, 0, 0, "prompt is required"
	case req.N != nil && (*req.N < 1 || *req.N > 10):
		return req, 0, 0, "n must be 1 to 10"
	case req.PartialImages < 0 || req.PartialImages > 3:
		return req, 0, 0, "partial_images must be 0 to 3"
	}
	width, height, msg = imageDims(req.Size, defaultGenSide, defaultGenSide)
	return req, width, height, msg
}

// imageDims reads a size ("WxH", or auto or none: the default), capped.
func imageDims(size string, defW, defH int) (width, height int, msg string) {
	width, height = defW, defH
	if size != "" && size != "auto" {
		ws, hs, ok := strings.Cut(size, "x")
		var err1, err2 error
		width, err1 = strconv.Atoi(ws)
		height, err2 = strconv.Atoi(hs)
		if !ok || err1 != nil || err2 != nil || width < 1 || height < 1 {
			return 0, 0, fmt.Sprintf("size %q: WIDTHxHEIGHT or auto", size)
		}
	}
	return min(width, maxGenSide), min(height, maxGenSide), ""
}

// streamImages sends each image's partial images and then the image, as
// the denoising reaches them.
func (s *Server) streamImages(w http.ResponseWriter, ctx context.Context, rec *record, count, partials int, denoise time.Duration, img, usage map[string]any) {
	o := &responder{w: w}
	rc := o.startStream()
	step := denoise / time.Duration(partials+1)
	// send writes one event: the image's fields, its type and extra's.
	send := func(kind string, extra map[string]any) bool {
		ev := maps.Clone(img)
		maps.Copy(ev, extra)
		ev["type"] = "image_generation." + kind
		if rec.FirstTokenUnixNs == 0 {
			rec.FirstTokenUnixNs = time.Now().UnixNano()
		}
		_, err := w.Write(event(nil, ev["type"].(string), ev))
		return err == nil && rc.Flush() == nil
	}
	for i := range count {
		for k := range partials {
			if !sleepCtx(ctx, step) || !send("partial_image", map[string]any{"partial_image_index": k}) {
				return
			}
		}
		var last map[string]any
		if i == count-1 {
			last = map[string]any{"usage": usage}
		}
		if !sleepCtx(ctx, step) || !send("completed", last) {
			return
		}
	}
}

// picture is a width×height PNG (one of sonde's drawings, resized), as
// base64, made once per size.
func (s *Server) picture(width, height int) (string, error) {
	key := [2]int{width, height}
	if v, ok := s.pictures.Load(key); ok {
		return v.(string), nil
	}
	png, err := media.Encode(media.Resize(media.Builtin()[0], width, height), "png")
	if err != nil {
		return "", err
	}
	b64 := base64.StdEncoding.EncodeToString(png)
	s.pictures.Store(key, b64)
	return b64, nil
}

// sleepCtx waits d, or until ctx ends (false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// parseImageEdit reads an image edit's multipart form.
func parseImageEdit(body []byte, readErr error) (req imageGenRequest, width, height int, msg string) {
	if readErr != nil {
		return req, 0, 0, "reading body: " + readErr.Error()
	}
	fields, files, err := readForm(body)
	if err != nil {
		return req, 0, 0, err.Error()
	}
	prompt := fields["prompt"]
	req.Prompt, req.Model, req.Size = &prompt, fields["model"], fields["size"]
	if v, ok := fields["n"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return req, 0, 0, "n must be a number"
		}
		req.N = &n
	}
	switch {
	case prompt == "":
		return req, 0, 0, "prompt is required"
	case req.N != nil && (*req.N < 1 || *req.N > 10):
		return req, 0, 0, "n must be 1 to 10"
	}
	w, h := defaultGenSide, defaultGenSide
	if img, ok := files["image"]; ok {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(img.data))
		if err != nil {
			return req, 0, 0, "image: not a PNG or JPEG image: " + err.Error()
		}
		w, h = cfg.Width, cfg.Height
	} else if fields["url"] == "" {
		return req, 0, 0, "image (a file) or url is required"
	}
	width, height, msg = imageDims(req.Size, w, h)
	return req, width, height, msg
}

// formFile is a multipart body's file: its name and bytes.
type formFile struct {
	name string
	data []byte
}

// readForm reads a multipart body (its boundary on its first line) into
// its fields and its files, by part name.
func readForm(body []byte) (fields map[string]string, files map[string]formFile, err error) {
	first, _, ok := bytes.Cut(body, []byte("\r\n"))
	if !ok || !bytes.HasPrefix(first, []byte("--")) {
		return nil, nil, fmt.Errorf("a multipart/form-data body is required")
	}
	fields, files = map[string]string{}, map[string]formFile{}
	mr := multipart.NewReader(bytes.NewReader(body), string(first[2:]))
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return fields, files, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("multipart body: %v", err)
		}
		b, err := io.ReadAll(io.LimitReader(p, 64<<20))
		if err != nil {
			return nil, nil, fmt.Errorf("multipart body: %v", err)
		}
		if p.FileName() != "" {
			files[p.FormName()] = formFile{name: p.FileName(), data: b}
		} else {
			fields[p.FormName()] = string(b)
		}
	}
}
