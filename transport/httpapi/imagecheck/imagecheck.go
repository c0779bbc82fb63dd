// Package imagecheck tells whether an upload is a whole picture: the APIs'
// avatar routes (Roamio, the travel app) take an image only once it decodes,
// within a pixel limit read from its headers before anything is decoded.
package imagecheck

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/riff"
	"golang.org/x/image/vp8"
	"golang.org/x/image/vp8l"
	"golang.org/x/image/webp"
)

// An uploaded image is taken only once it decodes (Check): its magic bytes
// alone say nothing of what follows them.

// MaxPixels bounds the pixels of an uploaded image (4096×4096, more than a
// 12-megapixel phone photo): decoding holds every pixel in memory, and a
// few compressed bytes can declare billions (a decompression bomb).
const MaxPixels = 4096 * 4096

// ErrNotAnImage: the data is not a whole JPEG, PNG, GIF or WebP image.
var ErrNotAnImage = errors.New("not a decodable JPEG, PNG, GIF or WebP image")

// TooManyPixelsError: the image declares more than the allowed pixels.
type TooManyPixelsError struct{ Width, Height, Max int }

func (e TooManyPixelsError) Error() string {
	return fmt.Sprintf("image of %d×%d pixels, more than %d", e.Width, e.Height, e.Max)
}

// Checked is an upload that decoded: its content type and file extension.
type Checked struct {
	ContentType string
	Ext         string
}

// imageCodec reads one format; dims lists every size the file declares
// (its header, and for WebP each frame too, which x/image/webp does not
// compare with the canvas).
type imageCodec struct {
	ext    string
	dims   func([]byte) ([]image.Point, error)
	decode func(io.Reader) (image.Image, error)
}

// codecFor returns the codec of a sniffed content type.
func codecFor(contentType string) (imageCodec, bool) {
	header := func(decodeConfig func(io.Reader) (image.Config, error)) func([]byte) ([]image.Point, error) {
		return func(data []byte) ([]image.Point, error) {
			c, err := decodeConfig(bytes.NewReader(data))
			return []image.Point{{X: c.Width, Y: c.Height}}, err
		}
	}
	switch contentType {
	case "image/jpeg":
		return imageCodec{".jpg", header(jpeg.DecodeConfig), jpeg.Decode}, true
	case "image/png":
		return imageCodec{".png", header(png.DecodeConfig), png.Decode}, true
	case "image/gif":
		// gif.Decode stops at the first frame; every frame lies within the
		// declared screen.
		return imageCodec{".gif", header(gif.DecodeConfig), gif.Decode}, true
	case "image/webp":
		return imageCodec{".webp", webpDims, webp.Decode}, true
	}
	return imageCodec{}, false
}

// Check accepts data that decodes whole as a JPEG, PNG, GIF or WebP image of
// at most maxPixels pixels; the sizes are read from the headers before
// anything is decoded. Otherwise ErrNotAnImage or a TooManyPixelsError.
func Check(data []byte, maxPixels int) (Checked, error) {
	contentType := http.DetectContentType(data)
	codec, ok := codecFor(contentType)
	if !ok {
		return Checked{}, ErrNotAnImage
	}
	sizes, err := codec.dims(data)
	if err != nil || len(sizes) == 0 {
		return Checked{}, ErrNotAnImage
	}
	for _, s := range sizes {
		if s.X <= 0 || s.Y <= 0 {
			return Checked{}, ErrNotAnImage
		}
		if s.X > maxPixels/s.Y {
			return Checked{}, TooManyPixelsError{Width: s.X, Height: s.Y, Max: maxPixels}
		}
	}
	if _, err := codec.decode(bytes.NewReader(data)); err != nil {
		return Checked{}, ErrNotAnImage
	}
	return Checked{ContentType: contentType, Ext: codec.ext}, nil
}

// webpDims lists the canvas (VP8X) and the frame (VP8 or VP8L) sizes of a
// WebP file.
func webpDims(data []byte) ([]image.Point, error) {
	form, chunks, err := riff.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if form != (riff.FourCC{'W', 'E', 'B', 'P'}) {
		return nil, ErrNotAnImage
	}
	var sizes []image.Point
	for {
		id, n, chunk, err := chunks.Next()
		if errors.Is(err, io.EOF) {
			return sizes, nil
		}
		if err != nil {
			return nil, err
		}
		switch id {
		case riff.FourCC{'V', 'P', '8', 'X'}:
			var b [10]byte
			if _, err := io.ReadFull(chunk, b[:]); err != nil {
				return nil, err
			}
			w := 1 + (int(b[4]) | int(b[5])<<8 | int(b[6])<<16)
			h := 1 + (int(b[7]) | int(b[8])<<8 | int(b[9])<<16)
			sizes = append(sizes, image.Point{X: w, Y: h})
		case riff.FourCC{'V', 'P', '8', ' '}:
			d := vp8.NewDecoder()
			d.Init(chunk, int(n))
			fh, err := d.DecodeFrameHeader()
			if err != nil {
				return nil, err
			}
			sizes = append(sizes, image.Point{X: fh.Width, Y: fh.Height})
		case riff.FourCC{'V', 'P', '8', 'L'}:
			c, err := vp8l.DecodeConfig(chunk)
			if err != nil {
				return nil, err
			}
			sizes = append(sizes, image.Point{X: c.Width, Y: c.Height})
		}
	}
}
