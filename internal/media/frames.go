package media

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// painter appends frame i of a video, as packed RGB, to dst.
type painter func(dst []byte, i int) []byte

// newPainter is the synthesis type's painter, its scene drawn from seed.
func newPainter(synth string, w, h int, seed uint64) painter {
	r := rand.New(rand.NewPCG(seed, 0x6672616d65))
	switch synth {
	case "grid_clock":
		return gridClock(w, h)
	case "noise":
		return func(dst []byte, _ int) []byte {
			for range w * h * 3 / 8 {
				v := r.Uint64()
				for range 8 {
					dst, v = append(dst, byte(v)), v>>8
				}
			}
			for len(dst)%(w*h*3) != 0 {
				dst = append(dst, byte(r.Uint32()))
			}
			return dst
		}
	}
	return movingShapes(w, h, r)
}

// canvas is one frame being drawn.
type canvas struct {
	px   []byte
	w, h int
}

func (c canvas) set(x, y int, rgb [3]byte) {
	x, y = ((x%c.w)+c.w)%c.w, ((y%c.h)+c.h)%c.h // shapes wrap at the edges
	copy(c.px[(y*c.w+x)*3:], rgb[:])
}

// frame grows dst by one frame filled with bg, and returns it to draw on.
func frame(dst []byte, w, h int, bg byte) ([]byte, canvas) {
	n := len(dst)
	for range w * h * 3 {
		dst = append(dst, bg)
	}
	return dst, canvas{dst[n:], w, h}
}

// shape is a moving circle or rectangle.
type shape struct {
	circle       bool
	x, y, vx, vy float64
	size         int
	rgb          [3]byte
}

// movingShapes: three to five coloured circles and rectangles crossing a
// black background, wrapping at its edges.
func movingShapes(w, h int, r *rand.Rand) painter {
	side := min(w, h)
	shapes := make([]shape, 3+r.IntN(3))
	for i := range shapes {
		shapes[i] = shape{circle: r.IntN(2) == 0, x: r.Float64() * float64(w), y: r.Float64() * float64(h),
			vx: (r.Float64() - 0.5) * float64(w) / 10, vy: (r.Float64() - 0.5) * float64(h) / 10,
			size: max(2, side/20+r.IntN(max(1, side/8))),
			rgb:  [3]byte{byte(64 + r.IntN(192)), byte(64 + r.IntN(192)), byte(64 + r.IntN(192))}}
	}
	return func(dst []byte, i int) []byte {
		dst, c := frame(dst, w, h, 0)
		for _, s := range shapes {
			cx, cy := int(s.x+s.vx*float64(i)), int(s.y+s.vy*float64(i))
			for dy := -s.size; dy <= s.size; dy++ {
				for dx := -s.size; dx <= s.size; dx++ {
					if !s.circle || dx*dx+dy*dy <= s.size*s.size {
						c.set(cx+dx, cy+dy, s.rgb)
					}
				}
			}
		}
		return dst
	}
}

// gridClock: a grid on dark grey, a clock whose minute hand turns once
// every 60 frames and hour hand once every 720, and the frame's number.
func gridClock(w, h int) painter {
	grid, hand, white := [3]byte{90, 90, 90}, [3]byte{230, 200, 40}, [3]byte{240, 240, 240}
	return func(dst []byte, i int) []byte {
		dst, c := frame(dst, w, h, 40)
		step := max(4, min(w, h)/8)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if x%step == 0 || y%step == 0 {
					c.set(x, y, grid)
				}
			}
		}
		radius := float64(min(w, h)) * 0.4
		line(c, w/2, h/2, 2*math.Pi*float64(i)/60, radius, hand)
		line(c, w/2, h/2, 2*math.Pi*float64(i)/720, radius*0.6, white)
		digits(c, strconv.Itoa(i), max(1, min(w, h)/60), white)
		return dst
	}
}

// line draws a hand from (x, y) at angle (clockwise from 12) of length n.
func line(c canvas, x, y int, angle, n float64, rgb [3]byte) {
	for t := 0.0; t <= n; t += 0.5 {
		px, py := float64(x)+t*math.Sin(angle), float64(y)-t*math.Cos(angle)
		c.set(int(px), int(py), rgb)
		c.set(int(px)+1, int(py), rgb)
	}
}

// font is a 3×5 bitmap of each digit, rows top down, bits left to right.
func font(d byte) [5]byte {
	return [10][5]byte{
		{7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
		{7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
	}[d-'0']
}

// digits writes s (digits only) at the top left, each pixel scale wide.
func digits(c canvas, s string, scale int, rgb [3]byte) {
	for k := range len(s) {
		glyph := font(s[k])
		for row, bits := range glyph {
			for col := range 3 {
				if bits&(4>>col) == 0 {
					continue
				}
				for dy := range scale {
					for dx := range scale {
						c.set(2*scale+(k*4+col)*scale+dx, 2*scale+row*scale+dy, rgb)
					}
				}
			}
		}
	}
}
