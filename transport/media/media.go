// Package media does the real work of 004's album pipeline: it reads what
// an uploaded picture holds (EXIF time and GPS, dominant colours by the
// k-means of transport/models/colour) and renders the results — the long
// image, the pictures scaled to one width one under the other with the
// poem's lines as captions, and the album, an MP4 slideshow of the pictures
// with the captions, encoded by ffmpeg at the requested frame rate.
package media

import (
	"context"
	"fmt"
	"image"
	_ "image/gif"  // GIF uploads
	_ "image/jpeg" // JPEG uploads
	_ "image/png"  // PNG uploads

	_ "golang.org/x/image/webp" // WebP uploads

	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/transport/models/colour"
)

// Analyser reads pictures (commandsalbums.Analyser).
type Analyser struct {
	// CPU, when set, is the process's gate for CPU-heavy background work
	// (Config.CPU): decoding a picture and finding its colours holds a slot.
	CPU Gate
}

// Analyse returns the picture's EXIF time and GPS position (when it has
// them) and its three dominant colours.
func (a Analyser) Analyse(ctx context.Context, data []byte) (albums.Shot, error) {
	var s albums.Shot
	err := holding(ctx, a.CPU, func() (err error) {
		s, err = analyse(data)
		return err
	})
	return s, err
}

// analyse is Analyse's work, done holding the gate.
func analyse(data []byte) (albums.Shot, error) {
	img, err := colour.Decode(data)
	if err != nil {
		return albums.Shot{}, err
	}
	var s albums.Shot
	if x, err := ReadExif(data); err == nil {
		s.TakenAt, s.Latitude, s.Longitude = x.TakenAt, x.Latitude, x.Longitude
	}
	sw, err := colour.Dominant(img, colour.DefaultK, colour.Options{Seed: 4})
	if err != nil {
		return albums.Shot{}, fmt.Errorf("dominant colours: %w", err)
	}
	for _, c := range sw {
		s.Colours = append(s.Colours, fmt.Sprintf("#%02x%02x%02x", clamp(c.R), clamp(c.G), clamp(c.B)))
	}
	b := img.Bounds()
	s.Width, s.Height = b.Dx(), b.Dy()
	return s, nil
}

func clamp(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v + 0.5)
}

// decode reads a picture for rendering.
func decode(data []byte) (image.Image, error) {
	img, _, err := image.Decode(bytesReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode picture: %w", err)
	}
	return img, nil
}
