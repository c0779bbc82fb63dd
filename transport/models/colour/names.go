package colour

import "math"

// Name gives a swatch one classical Chinese colour word (白 黑 灰 红 橙 黄 绿
// 青 蓝 紫), from its hue, saturation and lightness: the words the poem
// generator can take as the picture's scene words.
func Name(s Swatch) string {
	r, g, b := s.R/255, s.G/255, s.B/255
	mx := math.Max(r, math.Max(g, b))
	mn := math.Min(r, math.Min(g, b))
	l := (mx + mn) / 2
	d := mx - mn
	switch {
	case l > 0.85 && d < 0.2:
		return "白"
	case l < 0.15:
		return "黑"
	case d < 0.12:
		return "灰"
	}
	var h float64
	switch mx {
	case r:
		h = math.Mod((g-b)/d, 6)
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	h *= 60
	if h < 0 {
		h += 360
	}
	switch {
	case h < 15 || h >= 330:
		return "红"
	case h < 40:
		return "橙"
	case h < 70:
		return "黄"
	case h < 160:
		return "绿"
	case h < 200:
		return "青"
	case h < 260:
		return "蓝"
	default:
		return "紫"
	}
}
