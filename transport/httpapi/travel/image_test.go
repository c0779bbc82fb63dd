package travel_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// noisyPNG is a w×h PNG that does not compress to nothing.
func noisyPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.Uint32())
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and a valid IHDR declaring w×h RGB pixels,
// followed by tail.
func pngHeader(w, h uint32, tail []byte) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit truecolour
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	b.Write(tail)
	return b.Bytes()
}

// webpBomb is a WebP whose canvas (VP8X) is 1×1 while its lossless frame
// (VP8L) declares 16384×16384.
func webpBomb() []byte {
	var chunks bytes.Buffer
	chunks.WriteString("VP8X")
	_ = binary.Write(&chunks, binary.LittleEndian, uint32(10))
	chunks.Write(make([]byte, 10)) // no flags, canvas 1×1
	chunks.WriteString("VP8L")
	_ = binary.Write(&chunks, binary.LittleEndian, uint32(5))
	chunks.Write([]byte{0x2f, 0xff, 0xff, 0xff, 0x0f, 0}) // 16384×16384, padded
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+chunks.Len()))
	b.WriteString("WEBP")
	b.Write(chunks.Bytes())
	return b.Bytes()
}

func TestCheckImage(t *testing.T) {
	t.Parallel()
	// A 1×1 lossless WebP.
	tinyWebP, _ := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	var smallGIF bytes.Buffer
	_ = gif.Encode(&smallGIF, image.NewPaletted(image.Rect(0, 0, 8, 8), []color.Color{color.Black, color.White}), nil)
	whole := noisyPNG(t, 64, 64)

	for _, c := range []struct {
		name string
		data []byte
		want travel.CheckedImage
	}{
		{"a PNG", whole, travel.CheckedImage{ContentType: "image/png", Ext: ".png"}},
		{"a JPEG", photo(t), travel.CheckedImage{ContentType: "image/jpeg", Ext: ".jpg"}},
		{"a GIF", smallGIF.Bytes(), travel.CheckedImage{ContentType: "image/gif", Ext: ".gif"}},
		{"a WebP", tinyWebP, travel.CheckedImage{ContentType: "image/webp", Ext: ".webp"}},
	} {
		t.Run(c.name+" is taken", func(t *testing.T) {
			got, err := travel.CheckImage(c.data, travel.MaxImagePixels)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	for _, c := range []struct {
		name string
		data []byte
	}{
		{"a truncated PNG", whole[:len(whole)*6/10]},
		{"a PNG header on garbage", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("garbage!"), 64)...)},
		{"a valid IHDR without image data", pngHeader(16, 16, nil)},
		{"text", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")},
		{"nothing", nil},
	} {
		t.Run(c.name+" is not an image", func(t *testing.T) {
			if _, err := travel.CheckImage(c.data, travel.MaxImagePixels); !errors.Is(err, travel.ErrNotAnImage) {
				t.Errorf("got %v", err)
			}
		})
	}

	gifScreen := append([]byte("GIF89a"), 0x30, 0x75, 0x30, 0x75, 0, 0, 0) // 30000×30000 screen
	for _, c := range []struct {
		name string
		data []byte
		want travel.TooManyPixelsError
	}{
		{"a 30000×30000 PNG header", pngHeader(30000, 30000, bytes.Repeat([]byte{0}, 64)),
			travel.TooManyPixelsError{Width: 30000, Height: 30000, Max: travel.MaxImagePixels}},
		{"a 30000×30000 GIF screen", append(gifScreen, 0x3b), travel.TooManyPixelsError{Width: 30000, Height: 30000, Max: travel.MaxImagePixels}},
		{"a WebP frame larger than its 1×1 canvas", webpBomb(), travel.TooManyPixelsError{Width: 16384, Height: 16384, Max: travel.MaxImagePixels}},
		{"one pixel over the limit", pngHeader(4097, 4096, nil), travel.TooManyPixelsError{Width: 4097, Height: 4096, Max: travel.MaxImagePixels}},
	} {
		t.Run(c.name+" is refused before decoding", func(t *testing.T) {
			_, err := travel.CheckImage(c.data, travel.MaxImagePixels)
			var got travel.TooManyPixelsError
			if !errors.As(err, &got) {
				t.Fatalf("got %v", err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
