// Package colour finds the dominant colours of a picture: k-means clustering
// (k-means++ seeding, Lloyd iterations) over the pixels of the picture
// resized to a small bound, in native Go. It knows nothing of HTTP; the
// travel API's /api/color and the album pipeline both call it.
package colour

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // GIF uploads
	_ "image/jpeg" // JPEG uploads
	_ "image/png"  // PNG uploads
	"math"
	"math/rand/v2"
	"sort"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // WebP uploads
)

// MaxK bounds the number of clusters a caller may ask for.
const MaxK = 16

// DefaultK is the number of clusters when the caller gives none (seed 004's
// /api/color default).
const DefaultK = 3

// Swatch is one cluster centre: the mean colour of its pixels in sRGB
// components 0–255, and the share of the pixels that belong to it.
type Swatch struct {
	R, G, B float64
	Share   float64
}

// RGB returns the centre as a triple, the shape /api/color answers.
func (s Swatch) RGB() [3]float64 { return [3]float64{s.R, s.G, s.B} }

// Options tune the clustering; the zero value gives the defaults.
type Options struct {
	// Side bounds the longer side of the resized picture the pixels are
	// taken from (default 100: 10 000 pixels at most).
	Side int
	// Seed fixes the k-means++ seeding, so that one picture always gives
	// the same swatches.
	Seed uint64
	// MaxIter bounds the Lloyd iterations (default 50).
	MaxIter int
}

// ErrBadK: k is outside 1..MaxK.
var ErrBadK = fmt.Errorf("k must be between 1 and %d", MaxK)

// ErrEmpty: the picture has no pixels.
var ErrEmpty = errors.New("the picture has no pixels")

// Decode reads a JPEG, PNG, GIF or WebP picture. It does not bound the
// picture's size: callers check uploads first (the HTTP edge's imagecheck).
func Decode(data []byte) (image.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode picture: %w", err)
	}
	return img, nil
}

// Dominant clusters the picture's pixels into k colours and returns the
// centres, the most common first (ties by brightness). Fewer than k
// swatches come back when the picture has fewer distinct colours.
func Dominant(img image.Image, k int, opt Options) ([]Swatch, error) {
	if k < 1 || k > MaxK {
		return nil, ErrBadK
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, ErrEmpty
	}
	side := opt.Side
	if side <= 0 {
		side = 100
	}
	maxIter := opt.MaxIter
	if maxIter <= 0 {
		maxIter = 50
	}
	small := imaging.Fit(img, side, side, imaging.Box)
	px := pixels(small)
	if len(px) == 0 {
		return nil, ErrEmpty
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x636f6c6f7572))
	centres := seed(px, k, rng)
	assign := make([]int, len(px))
	for it := 0; it < maxIter; it++ {
		changed := false
		for i, p := range px {
			if c := nearest(p, centres); c != assign[i] {
				assign[i], changed = c, true
			}
		}
		next := make([][3]float64, len(centres))
		count := make([]int, len(centres))
		for i, p := range px {
			c := assign[i]
			count[c]++
			for j := range 3 {
				next[c][j] += p[j]
			}
		}
		for c := range next {
			if count[c] == 0 {
				next[c] = centres[c] // an empty cluster keeps its centre
				continue
			}
			for j := range 3 {
				next[c][j] /= float64(count[c])
			}
		}
		centres = next
		if !changed && it > 0 {
			break
		}
	}
	count := make([]int, len(centres))
	for i, p := range px {
		assign[i] = nearest(p, centres)
		count[assign[i]]++
	}
	out := make([]Swatch, 0, len(centres))
	for c, m := range centres {
		if count[c] == 0 {
			continue
		}
		out = append(out, Swatch{R: m[0], G: m[1], B: m[2], Share: float64(count[c]) / float64(len(px))})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Share != out[j].Share {
			return out[i].Share > out[j].Share
		}
		return out[i].R+out[i].G+out[i].B > out[j].R+out[j].G+out[j].B
	})
	return out, nil
}

// pixels returns the opaque-enough pixels as float triples (fully
// transparent pixels say nothing of the picture's colours).
func pixels(img *image.NRGBA) [][3]float64 {
	out := make([][3]float64, 0, len(img.Pix)/4)
	for i := 0; i+3 < len(img.Pix); i += 4 {
		if img.Pix[i+3] < 16 {
			continue
		}
		out = append(out, [3]float64{float64(img.Pix[i]), float64(img.Pix[i+1]), float64(img.Pix[i+2])})
	}
	return out
}

// seed picks k starting centres by k-means++: each next centre is a pixel
// drawn with probability proportional to its squared distance from the
// nearest centre so far. It stops early when every pixel is a centre.
func seed(px [][3]float64, k int, rng *rand.Rand) [][3]float64 {
	centres := [][3]float64{px[rng.IntN(len(px))]}
	d := make([]float64, len(px))
	for len(centres) < k {
		total := 0.0
		for i, p := range px {
			d[i] = dist2(p, centres[nearest(p, centres)])
			total += d[i]
		}
		if total == 0 {
			break
		}
		r := rng.Float64() * total
		pick := len(px) - 1
		for i, w := range d {
			r -= w
			if r < 0 {
				pick = i
				break
			}
		}
		centres = append(centres, px[pick])
	}
	return centres
}

// nearest returns the index of the centre closest to p.
func nearest(p [3]float64, centres [][3]float64) int {
	best, bestD := 0, math.Inf(1)
	for i, c := range centres {
		if d := dist2(p, c); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

func dist2(a, b [3]float64) float64 {
	dr, dg, db := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return dr*dr + dg*dg + db*db
}
