package colour_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"github.com/fiveapis/backend/transport/models/colour"
)

// stripes paints a w×h picture in bands: 60 % red, 30 % blue, 10 % white.
func stripes(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{200, 30, 40, 255}
			switch {
			case x >= w*9/10:
				c = color.NRGBA{250, 250, 250, 255}
			case x >= w*6/10:
				c = color.NRGBA{20, 60, 210, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func near(s colour.Swatch, r, g, b float64) bool {
	return math.Abs(s.R-r) < 3 && math.Abs(s.G-g) < 3 && math.Abs(s.B-b) < 3
}

func TestDominant(t *testing.T) {
	t.Run("finds the three painted colours, the most common first, with their shares", func(t *testing.T) {
		got, err := colour.Dominant(stripes(400, 300), 3, colour.Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || !near(got[0], 200, 30, 40) || !near(got[1], 20, 60, 210) || !near(got[2], 250, 250, 250) {
			t.Fatalf("swatches %+v", got)
		}
		for i, want := range []float64{0.6, 0.3, 0.1} {
			if math.Abs(got[i].Share-want) > 0.03 {
				t.Errorf("swatch %d share %.3f, want about %.1f", i, got[i].Share, want)
			}
		}
		if n := []string{colour.Name(got[0]), colour.Name(got[1]), colour.Name(got[2])}; n[0] != "红" || n[1] != "蓝" || n[2] != "白" {
			t.Errorf("names %v", n)
		}
	})
	t.Run("one seed gives one answer", func(t *testing.T) {
		img := noise(64, 64)
		a, _ := colour.Dominant(img, 5, colour.Options{Seed: 7})
		b, _ := colour.Dominant(img, 5, colour.Options{Seed: 7})
		if len(a) != len(b) {
			t.Fatalf("%v vs %v", a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%v vs %v", a, b)
			}
		}
	})
	t.Run("fewer distinct colours than k give fewer swatches", func(t *testing.T) {
		img := image.NewNRGBA(image.Rect(0, 0, 10, 10))
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = 255
		}
		got, err := colour.Dominant(img, 4, colour.Options{})
		if err != nil || len(got) != 1 || got[0].Share != 1 || colour.Name(got[0]) != "黑" {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("k outside 1..MaxK and empty or transparent pictures are errors", func(t *testing.T) {
		for _, k := range []int{0, -1, colour.MaxK + 1} {
			if _, err := colour.Dominant(stripes(10, 10), k, colour.Options{}); !errors.Is(err, colour.ErrBadK) {
				t.Errorf("k %d: %v", k, err)
			}
		}
		if _, err := colour.Dominant(image.NewNRGBA(image.Rect(0, 0, 5, 5)), 3, colour.Options{}); !errors.Is(err, colour.ErrEmpty) {
			t.Errorf("transparent: %v", err)
		}
	})
	t.Run("Decode reads a PNG and refuses text", func(t *testing.T) {
		var buf bytes.Buffer
		if err := png.Encode(&buf, stripes(50, 20)); err != nil {
			t.Fatal(err)
		}
		img, err := colour.Decode(buf.Bytes())
		if err != nil || img.Bounds().Dx() != 50 {
			t.Fatalf("%v", err)
		}
		if _, err := colour.Decode([]byte("not a picture")); err == nil {
			t.Fatal("text decoded")
		}
	})
}

func noise(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(12345)
	for i := range img.Pix {
		x = x*1664525 + 1013904223
		img.Pix[i] = byte(x >> 24)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// BenchmarkDominant: a 4000×3000 photo-sized picture, k 3 (resizing
// included): go test -run '^$' -bench Dominant ./transport/models/colour/
func BenchmarkDominant(b *testing.B) {
	img := noise(4000, 3000)
	for b.Loop() {
		if _, err := colour.Dominant(img, 3, colour.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
