// Package media makes the images a multimodal run sends: synthetic noise,
// built-in source images, or a folder of the user's, resized to sizes
// drawn from the run's seed and encoded as PNG or JPEG. Everything here is
// done before the run starts, never on the measuring path.
package media

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Image is one encoded image, ready to send: kept as its data URL alone
// (the bytes once, base64), with what inputs.json and the records say of
// it.
type Image struct {
	Format        string // "png" or "jpeg"
	Width, Height int
	Bytes         int    // the encoded file's size
	Hash          string // the first 16 hex digits of the file's SHA-256
	URL           string // data:image/<format>;base64,…
	// UUID is the dataset's cache id for the image (image_uuids), sent as
	// the part's "uuid" (vLLM's multimodal cache); with --uuid-and-strip
	// a repeat in a session goes with an empty URL.
	UUID string
}

// NewImage encodes img in format.
func NewImage(img image.Image, format string) (Image, error) {
	data, err := Encode(img, format)
	if err != nil {
		return Image{}, err
	}
	b := img.Bounds()
	return encoded(data, format, b.Dx(), b.Dy()), nil
}

// encoded is an image file of format and size as sent: its data URL,
// size and hash.
func encoded(data []byte, format string, w, h int) Image {
	return Image{Format: format, Width: w, Height: h, Bytes: len(data), Hash: sha256Hex(data),
		URL: "data:image/" + format + ";base64," + base64.StdEncoding.EncodeToString(data)}
}

// Ref names the image without its bytes: what inputs.json shows (a
// remote image's URL as is).
func (im Image) Ref() string {
	if im.Hash == "" {
		if strings.HasPrefix(im.URL, "data:") {
			return "sonde-image:data-url;chars=" + strconv.Itoa(len(im.URL))
		}
		return im.URL
	}
	return fmt.Sprintf("sonde-image:%s;%dx%d;bytes=%d;sha256=%s", im.Format, im.Width, im.Height, im.Bytes, im.Hash)
}

// Encode writes img in format ("png" or "jpeg").
func Encode(img image.Image, format string) ([]byte, error) {
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	default:
		err = fmt.Errorf("image format %q: png or jpeg", format)
	}
	return b.Bytes(), err
}

// Noise is an image of random pixels from r: every image differs, so a
// server cannot serve a repeated one from a cache (AIPerf's default).
func Noise(r *rand.Rand, w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 8 {
		v := r.Uint64()
		for k := 0; k < 8 && i+k < len(img.Pix); k++ {
			img.Pix[i+k] = byte(v >> (8 * k))
		}
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255 // opaque: what a photo is
	}
	return img
}

// Resize scales src to w×h by nearest neighbour: the server sees the
// pixels it is asked about; the filter does not change what it costs.
func Resize(src image.Image, w, h int) image.Image {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		sy := b.Min.Y + y*b.Dy()/h
		for x := range w {
			dst.Set(x, y, src.At(b.Min.X+x*b.Dx()/w, sy))
		}
	}
	return dst
}

// Builtin are sonde's own source images for --image-source assets: four
// drawings made here (a gradient, stripes, rings, a checkerboard), so the
// binary carries no image files. Natural photos compress better than noise;
// these compress about as well.
func Builtin() []image.Image {
	const n = 256
	draw := func(f func(x, y int) color.RGBA) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, n, n))
		for y := range n {
			for x := range n {
				img.SetRGBA(x, y, f(x, y))
			}
		}
		return img
	}
	return []image.Image{
		draw(func(x, y int) color.RGBA { return color.RGBA{uint8(x), uint8(y), uint8(255 - x), 255} }),
		draw(func(x, y int) color.RGBA {
			return color.RGBA{uint8((x / 16 % 2) * 200), 90, uint8((y / 32 % 2) * 180), 255}
		}),
		draw(func(x, y int) color.RGBA {
			d := (x-n/2)*(x-n/2) + (y-n/2)*(y-n/2)
			return color.RGBA{uint8(d / 64), uint8(255 - d/128), 120, 255}
		}),
		draw(func(x, y int) color.RGBA {
			if (x/32+y/32)%2 == 0 {
				return color.RGBA{240, 240, 230, 255}
			}
			return color.RGBA{30, 60, 90, 255}
		}),
	}
}

// FromFile reads a PNG or JPEG file into an image to send.
func FromFile(path string) (Image, error) {
	data, err := readFile(path)
	if err != nil {
		return Image{}, err
	}
	return FromBytes(data)
}

// FromBytes is an encoded PNG or JPEG file as an image to send.
func FromBytes(data []byte) (Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return Image{}, fmt.Errorf("not a PNG or JPEG image")
	}
	return encoded(data, format, cfg.Width, cfg.Height), nil
}

// Remote is an image the server fetches itself (an http or https URL, or
// a data URL given as is): sonde sends the URL and knows nothing more.
func Remote(url string) Image { return Image{URL: url} }
