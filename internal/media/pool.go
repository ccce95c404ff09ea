package media

import (
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // a folder of the user's may hold JPEG files
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// ImageSpec is the images of each turn (AIPerf's --image-* options).
type ImageSpec struct {
	WidthMean, WidthStddev   float64
	HeightMean, HeightStddev float64
	Batch                    int    // images per turn
	Format                   string // png, jpeg, or random (either, per image)
	Source                   string // noise, assets, or a folder of images
	Sampling                 string // random-with-replacement, shuffle-cycle, sequential-cycle
}

// Enabled reports whether turns carry images.
func (s *ImageSpec) Enabled() bool {
	return s != nil && s.Batch > 0 && s.WidthMean > 0 && s.HeightMean > 0
}

// Samplings are --image-source-sampling's choices, the default first.
func Samplings() []string {
	return []string{"random-with-replacement", "shuffle-cycle", "sequential-cycle"}
}

// Maker makes a run's images from its seed: the same seed, spec and
// sources give the same bytes.
type Maker struct {
	spec    ImageSpec
	r       *rand.Rand
	sources []image.Image // nil for noise
	order   []int         // the current cycle of sources
	next    int
}

// NewMaker loads the sources (every image of a folder, sorted by name) and
// checks the spec.
func NewMaker(spec ImageSpec, seed uint64) (*Maker, error) {
	m := &Maker{spec: spec, r: rand.New(rand.NewPCG(seed, 0x696d616765))}
	switch spec.Source {
	case "", "noise":
		if spec.Sampling != "" && spec.Sampling != Samplings()[0] {
			return nil, fmt.Errorf("--image-source-sampling %s: noise images have no finite pool; only %s applies", spec.Sampling, Samplings()[0])
		}
	case "assets":
		m.sources = Builtin()
	default:
		srcs, err := loadFolder(spec.Source)
		if err != nil {
			return nil, err
		}
		m.sources = srcs
	}
	if spec.Sampling != "" && !slices.Contains(Samplings(), spec.Sampling) {
		return nil, fmt.Errorf("--image-source-sampling %q: one of %s", spec.Sampling, strings.Join(Samplings(), ", "))
	}
	return m, nil
}

// loadFolder decodes every PNG and JPEG file of dir, sorted by name.
func loadFolder(dir string) ([]image.Image, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--image-source %s: %w (noise, assets, or a folder of PNG or JPEG files)", dir, err)
	}
	var out []image.Image
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".png" && ext != ".jpg" && ext != ".jpeg") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("--image-source: %w", err)
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--image-source %s: %v", filepath.Join(dir, e.Name()), err)
		}
		out = append(out, img)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--image-source %s holds no PNG or JPEG file", dir)
	}
	return out, nil
}

// Planned is an image drawn but not yet made: its size, format, source
// and the seed of its pixels. Drawing is sequential (one stream, so the
// same seed gives the same images); making them is parallel (Render).
type Planned struct {
	Width, Height int
	Format        string
	source        image.Image // nil: noise
	seed          uint64
}

// Turn draws one turn's images.
func (m *Maker) Turn() []Planned {
	out := make([]Planned, 0, m.spec.Batch)
	for range m.spec.Batch {
		p := Planned{Width: m.size(m.spec.WidthMean, m.spec.WidthStddev), Height: m.size(m.spec.HeightMean, m.spec.HeightStddev), Format: m.spec.Format}
		if p.Format == "" {
			p.Format = "png"
		}
		if p.Format == "random" {
			p.Format = []string{"png", "jpeg"}[m.r.IntN(2)]
		}
		if m.sources != nil {
			p.source = m.source()
		}
		p.seed = m.r.Uint64()
		out = append(out, p)
	}
	return out
}

// Render makes the planned images, on every core: encoding a 512×512 PNG
// takes milliseconds, and a dataset holds hundreds.
func Render(plans []Planned, workers int) ([]Image, error) {
	return onEveryCore(plans, workers, (*Planned).render)
}

// onEveryCore makes out[i] = build(&plans[i]) on workers goroutines.
func onEveryCore[P, R any](plans []P, workers int, build func(*P) (R, error)) ([]R, error) {
	out := make([]R, len(plans))
	errs := make([]error, len(plans))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = build(&plans[i])
			}
		})
	}
	for i := range plans {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

func (p *Planned) render() (Image, error) {
	var img image.Image
	if p.source == nil {
		img = Noise(rand.New(rand.NewPCG(p.seed, 0)), p.Width, p.Height)
	} else {
		img = Resize(p.source, p.Width, p.Height)
	}
	return NewImage(img, p.Format)
}

// size draws a dimension: normal around mean, at least one pixel.
func (m *Maker) size(mean, stddev float64) int {
	return max(1, int(math.Round(mean+stddev*m.r.NormFloat64())))
}

// source is the next source image by the sampling strategy.
func (m *Maker) source() image.Image {
	n := len(m.sources)
	switch m.spec.Sampling {
	case "shuffle-cycle", "sequential-cycle":
		if m.next == 0 {
			m.order = m.order[:0]
			for i := range n {
				m.order = append(m.order, i)
			}
			if m.spec.Sampling == "shuffle-cycle" {
				m.r.Shuffle(n, func(i, j int) { m.order[i], m.order[j] = m.order[j], m.order[i] })
			}
		}
		i := m.order[m.next]
		m.next = (m.next + 1) % n
		return m.sources[i]
	}
	return m.sources[m.r.IntN(n)]
}
