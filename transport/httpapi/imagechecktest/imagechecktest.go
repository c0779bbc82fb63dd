// Package imagechecktest builds the pictures the upload tests send: whole
// images of each accepted format, and the broken and oversized ones an
// upload must refuse (imagecheck).
package imagechecktest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// tinyWebP is a 1×1 lossless WebP.
const tinyWebP = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="

// TinyWebP is a 1×1 lossless WebP.
func TinyWebP() []byte {
	b, _ := base64.StdEncoding.DecodeString(tinyWebP)
	return b
}

// NoisyPNG is a w×h PNG that does not compress to nothing.
func NoisyPNG(t testing.TB, w, h int) []byte {
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

// JPEG is a 64×48 photo-like JPEG.
func JPEG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 90, A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// GIF is an 8×8 two-colour GIF.
func GIF(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 8, 8), []color.Color{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// PNGHeader is a PNG signature and a valid IHDR declaring w×h RGB pixels,
// followed by tail.
func PNGHeader(w, h uint32, tail []byte) []byte {
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

// GIFScreen is a GIF header whose logical screen is w×h, and no image.
func GIFScreen(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0, 0x3b)
}

// WebPBomb is a WebP whose canvas (VP8X) is 1×1 while its lossless frame
// (VP8L) declares 16384×16384.
func WebPBomb() []byte {
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
