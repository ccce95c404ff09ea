package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
)

// Theme colors a chart's page: light (the default) or dark, as `aiperf
// plot --theme`. The runs keep their colors.
type Theme string

// ParseTheme reads --theme.
func ParseTheme(s string) (Theme, error) {
	switch s {
	case "", "light":
		return "light", nil
	case "dark":
		return "dark", nil
	}
	return "", fmt.Errorf("--theme %q: light or dark", s)
}

// apply sets the page's background and ink (the grid's gray reads on both).
func (t Theme) apply(p *plot.Plot) {
	if t != "dark" {
		return
	}
	bg, ink := color.RGBA{0x1e, 0x1e, 0x1e, 0xff}, color.RGBA{0xe8, 0xe8, 0xe8, 0xff}
	p.BackgroundColor = bg
	p.Title.TextStyle.Color = ink
	p.Legend.TextStyle.Color = ink
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Color, a.Label.TextStyle.Color, a.Tick.Color, a.Tick.Label.Color = ink, ink, ink, ink
	}
}
