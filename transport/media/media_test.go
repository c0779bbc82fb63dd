package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"

	"github.com/fiveapis/backend/domain/albums"
)

// withExif inserts an APP1 Exif segment after the JPEG's SOI: IFD0 with
// DateTime and pointers to an Exif IFD (DateTimeOriginal) and a GPS IFD
// (30°15'0" N, 120°9'0" E).
func withExif(t *testing.T, jpg []byte) []byte {
	t.Helper()
	be := binary.BigEndian
	var tiff bytes.Buffer
	w := func(v any) { _ = binary.Write(&tiff, be, v) }
	tiff.WriteString("MM")
	w(uint16(42))
	w(uint32(8))
	// IFD0 at 8: 3 entries → ends at 8+2+36+4 = 50.
	const dt1, exifIFD, gpsIFD = 50, 70, 88
	w(uint16(3))
	w([]uint16{0x0132, 2})
	w(uint32(20))
	w(uint32(dt1))
	w([]uint16{0x8769, 4})
	w(uint32(1))
	w(uint32(exifIFD))
	w([]uint16{0x8825, 4})
	w(uint32(1))
	w(uint32(gpsIFD))
	w(uint32(0))
	tiff.WriteString("2021:01:01 00:00:00\x00") // 50..70
	// Exif IFD at 70: 1 entry → ends at 88; its string after the GPS IFD.
	const dt2 = 88 + 2 + 4*12 + 4
	w(uint16(1))
	w([]uint16{0x9003, 2})
	w(uint32(20))
	w(uint32(dt2))
	w(uint32(0))
	// GPS IFD at 88: 4 entries.
	const lat, lon = dt2 + 20, dt2 + 44
	w(uint16(4))
	w([]uint16{1, 2})
	w(uint32(2))
	tiff.Write([]byte("N\x00\x00\x00"))
	w([]uint16{2, 5})
	w(uint32(3))
	w(uint32(lat))
	w([]uint16{3, 2})
	w(uint32(2))
	tiff.Write([]byte("E\x00\x00\x00"))
	w([]uint16{4, 5})
	w(uint32(3))
	w(uint32(lon))
	w(uint32(0))
	tiff.WriteString("2021:03:28 10:29:40\x00")
	w([]uint32{30, 1, 15, 1, 0, 1})
	w([]uint32{120, 1, 9, 1, 0, 1})
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func picture(t testing.TB, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAnalyse(t *testing.T) {
	data := withExif(t, picture(t, 64, 48, color.RGBA{200, 30, 30, 255}))
	s, err := Analyser{}.Analyse(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if s.TakenAt == nil || s.TakenAt.Format("2006-01-02 15:04:05") != "2021-03-28 10:29:40" {
		t.Errorf("taken at %v, want DateTimeOriginal", s.TakenAt)
	}
	if s.Latitude == nil || math.Abs(*s.Latitude-30.25) > 1e-9 || s.Longitude == nil || math.Abs(*s.Longitude-120.15) > 1e-9 {
		t.Errorf("GPS %v %v", s.Latitude, s.Longitude)
	}
	if len(s.Colours) == 0 || s.Colours[0][:3] != "#c7" && s.Colours[0][:3] != "#c8" && s.Colours[0][:3] != "#c9" {
		t.Errorf("colours %v, want the red first", s.Colours)
	}
	if s.Width != 64 || s.Height != 48 {
		t.Errorf("size %d×%d", s.Width, s.Height)
	}
	// Pictures without EXIF, or with a broken one, still analyse.
	if s, err := (Analyser{}).Analyse(context.Background(), picture(t, 8, 8, color.RGBA{0, 0, 0, 255})); err != nil || s.TakenAt != nil {
		t.Errorf("no EXIF: %+v %v", s, err)
	}
	broken := withExif(t, picture(t, 8, 8, color.RGBA{0, 0, 0, 255}))
	broken[20] ^= 0xff
	if _, err := (Analyser{}).Analyse(context.Background(), broken); err != nil {
		t.Errorf("broken EXIF: %v", err)
	}
}

// TestLongImageCaptions: the captions are drawn with the CJK font (the
// caption band is not blank).
func TestLongImageCaptions(t *testing.T) {
	r := NewRenderer(Config{Width: 200})
	if r.err != nil {
		t.Skipf("no caption font: %v (.ci/ffmpeg.sh installs fonts-wqy-microhei)", r.err)
	}
	slide := albums.Slide{Image: picture(t, 100, 50, color.RGBA{10, 10, 10, 255}), Caption: "山水之间"}
	out, err := r.LongImage(context.Background(), "", "winter", []albums.Slide{slide, {Image: slide.Image}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out.Data))
	if err != nil {
		t.Fatal(err)
	}
	if out.Width != 200 || out.Height != 120+100+80+100+80 || img.Bounds().Dy() != out.Height {
		t.Fatalf("size %d×%d", out.Width, out.Height)
	}
	ink := func(y0, y1 int) int {
		n := 0
		for y := y0; y < y1; y++ {
			for x := 0; x < 200; x++ {
				r, _, _, _ := img.At(x, y).RGBA()
				if r>>8 < 0x90 {
					n++
				}
			}
		}
		return n
	}
	if ink(220, 300) < 200 {
		t.Errorf("the first caption band holds %d dark pixels: no text drawn", ink(220, 300))
	}
	if ink(400, 480) > 50 {
		t.Errorf("the empty caption band holds %d dark pixels", ink(400, 480))
	}
}
