package media

import (
	"context"
	"image/color"
	"os/exec"
	"testing"

	"github.com/fiveapis/backend/domain/albums"
)

// tenSlides are ten 1600×1200 JPEG pictures with poem lines.
func tenSlides(b *testing.B) []albums.Slide {
	var out []albums.Slide
	for i := range 10 {
		out = append(out, albums.Slide{Image: picture(b, 1600, 1200, color.RGBA{uint8(20 * i), 120, 200, 255}), Caption: "山光悦鸟性"})
	}
	return out
}

// BenchmarkLongImage10: the long image of ten pictures at the default width.
func BenchmarkLongImage10(b *testing.B) {
	r := NewRenderer(Config{})
	if r.err != nil {
		b.Skip(r.err)
	}
	slides := tenSlides(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.LongImage(context.Background(), "西湖", "spring", slides); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMovie10: the album of ten pictures, 2 s each at 25 fps, default
// width, through ffmpeg.
func BenchmarkMovie10(b *testing.B) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skip("no ffmpeg")
	}
	r := NewRenderer(Config{})
	if r.err != nil {
		b.Skip(r.err)
	}
	slides := tenSlides(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Movie(context.Background(), "西湖", "spring", 25, slides); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderStep12MP: one step of a render that holds the background
// gate, for a phone's 12 MP (4000×3000) photo: decoded and scaled to the
// default width, as LongImage does for each picture.
func BenchmarkRenderStep12MP(b *testing.B) {
	pic := picture(b, 4000, 3000, color.RGBA{90, 140, 60, 255})
	b.ResetTimer()
	for b.Loop() {
		img, err := decode(pic)
		if err != nil {
			b.Fatal(err)
		}
		scaled(img, 720)
	}
}
