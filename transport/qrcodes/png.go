package qrcodes

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// QR images: error correction level M, go-qrcode's 4-module quiet zone, 8
// pixels per module, as a 1-bit PNG (a two-colour palette), compressed for
// speed: a 10,000-card zip is dominated by QR encoding, not by deflate.
const pixelsPerModule = 8

// PNG renders content (a card's qr_code URL) as a QR code PNG.
func (x *Exporter) PNG(content string) ([]byte, error) { return renderPNG(&x.png, content) }

// newPNGEncoder returns the encoder of an Exporter's images. Its buffers,
// the deflate compressor above all, are kept between images in a pool:
// allocating a compressor for each image was 80 % of the bytes a QR image
// allocated and a third of its CPU time (BenchmarkPNG). Encode is safe for
// concurrent use with a pool.
func newPNGEncoder() png.Encoder {
	return png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}
}

// pngBuffers is a png.EncoderBufferPool on a sync.Pool.
type pngBuffers struct{ pool sync.Pool }

func (p *pngBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// renderPNG renders content as a QR code PNG with enc.
func renderPNG(enc *png.Encoder, content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code for %q: %w", content, err)
	}
	bitmap := q.Bitmap()
	n := len(bitmap) * pixelsPerModule
	img := image.NewPaletted(image.Rect(0, 0, n, n), color.Palette{color.White, color.Black})
	for y := range n {
		row := bitmap[y/pixelsPerModule]
		pix := img.Pix[y*img.Stride : y*img.Stride+n]
		for x := range pix {
			if row[x/pixelsPerModule] {
				pix[x] = 1
			}
		}
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr png: %w", err)
	}
	return buf.Bytes(), nil
}
