package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/fiveapis/backend/domain/albums"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// Config sets up the renderer.
type Config struct {
	// FFmpeg and FFprobe are the programs (default: found on PATH).
	FFmpeg, FFprobe string
	// Font is a TrueType/OpenType font or collection with CJK glyphs for
	// the captions (default: the first of DefaultFonts that exists).
	Font string
	// Width is the long image's width; the album is Width×(Width·9/16).
	Width int
	// Slide is how long each picture shows in the album.
	Slide time.Duration
	// CPU, when set, is the process's gate for CPU-heavy background work:
	// each step of a render (a picture decoded and scaled or framed, an
	// image encoded) holds one of its slots, so that renders never take
	// every core that requests need (nil: no gate). ffmpeg, a process of
	// its own, runs at a lower priority instead (ffmpegNice).
	CPU Gate
}

// Gate bounds CPU-heavy background work across a process; the server
// gives a golang.org/x/sync/semaphore.Weighted, which satisfies it.
type Gate interface {
	Acquire(ctx context.Context, n int64) error
	Release(n int64)
}

// holding runs step holding a slot of gate (when there is one).
func holding(ctx context.Context, gate Gate, step func() error) error {
	if gate != nil {
		if err := gate.Acquire(ctx, 1); err != nil {
			return fmt.Errorf("waiting for a core: %w", err)
		}
		defer gate.Release(1)
	}
	return step()
}

// DefaultFonts are where Debian's CJK font packages put their fonts.
var DefaultFonts = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
}

// Renderer renders albums and long images (commandsalbums.Renderer).
type Renderer struct {
	cfg  Config
	font *opentype.Font
	err  error
}

// NewRenderer loads the caption font. A renderer without a font or ffmpeg
// still builds; its renders fail saying what is missing.
func NewRenderer(cfg Config) *Renderer {
	if cfg.Width <= 0 {
		cfg.Width = 720
	}
	cfg.Width &^= 1
	if cfg.Slide <= 0 {
		cfg.Slide = 2 * time.Second
	}
	r := &Renderer{cfg: cfg}
	path := cfg.Font
	if path == "" {
		for _, p := range DefaultFonts {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		r.err = errors.New("no CJK caption font (TRAVEL_FONT; Debian: fonts-wqy-microhei)")
		return r
	}
	data, err := os.ReadFile(path)
	if err != nil {
		r.err = fmt.Errorf("caption font: %w", err)
		return r
	}
	single, err := standalone(data, 0)
	if err != nil {
		r.err = fmt.Errorf("caption font %s: %w", path, err)
		return r
	}
	r.font, r.err = opentype.Parse(single)
	if r.err != nil {
		r.err = fmt.Errorf("caption font %s: %w", path, r.err)
	}
	return r
}

// palettes are the templates' caption bands: background and text.
var palettes = map[string][2]color.RGBA{
	"ink":    {{0x1e, 0x1e, 0x1e, 0xff}, {0xf5, 0xf0, 0xe6, 0xff}},
	"spring": {{0xe8, 0xf3, 0xe0, 0xff}, {0x2f, 0x5d, 0x2a, 0xff}},
	"summer": {{0xe0, 0xf0, 0xfa, 0xff}, {0x12, 0x4e, 0x78, 0xff}},
	"autumn": {{0xf6, 0xe7, 0xd2, 0xff}, {0x8a, 0x3b, 0x12, 0xff}},
	"winter": {{0xf4, 0xf6, 0xf8, 0xff}, {0x33, 0x44, 0x55, 0xff}},
	"night":  {{0x0b, 0x10, 0x26, 0xff}, {0xf2, 0xd7, 0x8a, 0xff}},
}

func palette(t string) [2]color.RGBA {
	if p, ok := palettes[t]; ok {
		return p
	}
	return palettes["ink"]
}

func (r *Renderer) face(size float64) (font.Face, error) {
	if r.err != nil {
		return nil, r.err
	}
	return opentype.NewFace(r.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// caption draws text centred in the band rect of dst.
func caption(dst draw.Image, band image.Rectangle, face font.Face, fg color.Color, text string) {
	if text == "" {
		return
	}
	d := &font.Drawer{Dst: dst, Src: image.NewUniform(fg), Face: face}
	w := d.MeasureString(text)
	m := face.Metrics()
	x := fixed.I(band.Min.X) + (fixed.I(band.Dx())-w)/2
	y := fixed.I(band.Min.Y) + (fixed.I(band.Dy())+m.Ascent-m.Descent)/2
	if x < fixed.I(band.Min.X) {
		x = fixed.I(band.Min.X)
	}
	d.Dot = fixed.Point26_6{X: x, Y: y}
	d.DrawString(text)
}

// scaled returns img scaled to width w (its height in proportion).
func scaled(img image.Image, w int) *image.RGBA {
	b := img.Bounds()
	h := max(1, b.Dy()*w/max(1, b.Dx()))
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(out, out.Bounds(), img, b, draw.Src, nil)
	return out
}

// LongImage renders the pictures one under the other at the renderer's
// width, the title on top and each picture's caption in a band below it;
// the cover is the first picture at half the width.
func (r *Renderer) LongImage(ctx context.Context, title, template string, slides []albums.Slide) (albums.Rendered, error) {
	if len(slides) == 0 {
		return albums.Rendered{}, errors.New("no pictures")
	}
	titleFace, err := r.face(40)
	if err != nil {
		return albums.Rendered{}, err
	}
	capFace, err := r.face(30)
	if err != nil {
		return albums.Rendered{}, err
	}
	W := r.cfg.Width
	const titleBand, capBand = 120, 80
	pics := make([]*image.RGBA, len(slides))
	H := titleBand
	for i, s := range slides {
		err := holding(ctx, r.cfg.CPU, func() error {
			img, err := decode(s.Image)
			if err != nil {
				return err
			}
			pics[i] = scaled(img, W)
			return nil
		})
		if err != nil {
			return albums.Rendered{}, err
		}
		H += pics[i].Bounds().Dy() + capBand
	}
	var buf bytes.Buffer
	err = holding(ctx, r.cfg.CPU, func() error {
		pal := palette(template)
		out := image.NewRGBA(image.Rect(0, 0, W, H))
		draw.Draw(out, out.Bounds(), image.NewUniform(pal[0]), image.Point{}, draw.Src)
		caption(out, image.Rect(0, 0, W, titleBand), titleFace, pal[1], title)
		y := titleBand
		for i, p := range pics {
			draw.Draw(out, p.Bounds().Add(image.Pt(0, y)), p, image.Point{}, draw.Src)
			y += p.Bounds().Dy()
			caption(out, image.Rect(0, y, W, y+capBand), capFace, pal[1], slides[i].Caption)
			y += capBand
		}
		if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 85}); err != nil {
			return fmt.Errorf("encode long image: %w", err)
		}
		return nil
	})
	if err != nil {
		return albums.Rendered{}, err
	}
	cover, cw, ch, err := r.coverOf(ctx, pics[0], W/2)
	if err != nil {
		return albums.Rendered{}, err
	}
	return albums.Rendered{Data: buf.Bytes(), Ext: ".jpg", ContentType: "image/jpeg", Width: W, Height: H,
		Cover: cover, CoverExt: ".jpg", CoverWidth: cw, CoverHeight: ch}, nil
}

// coverOf is img scaled to width w, as a JPEG, and its size.
func (r *Renderer) coverOf(ctx context.Context, img image.Image, w int) ([]byte, int, int, error) {
	var (
		buf bytes.Buffer
		c   *image.RGBA
	)
	err := holding(ctx, r.cfg.CPU, func() error {
		c = scaled(img, w)
		if err := jpeg.Encode(&buf, c, &jpeg.Options{Quality: 80}); err != nil {
			return fmt.Errorf("encode cover: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, err
	}
	return buf.Bytes(), c.Bounds().Dx(), c.Bounds().Dy(), nil
}

// frame fits img into a w×h frame (letterboxed on the template's colour)
// with the caption in a band at the bottom and the title on top.
func (r *Renderer) frame(img image.Image, w, h int, pal [2]color.RGBA, capFace, titleFace font.Face, text, title string) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(pal[0]), image.Point{}, draw.Src)
	b := img.Bounds()
	sw, sh := w, b.Dy()*w/max(1, b.Dx())
	if sh > h {
		sw, sh = b.Dx()*h/max(1, b.Dy()), h
	}
	dst := image.Rect((w-sw)/2, (h-sh)/2, (w-sw)/2+sw, (h-sh)/2+sh)
	draw.CatmullRom.Scale(out, dst, img, b, draw.Src, nil)
	band := h / 8
	shade := image.NewUniform(color.RGBA{0, 0, 0, 0x80})
	if text != "" {
		draw.Draw(out, image.Rect(0, h-band, w, h), shade, image.Point{}, draw.Over)
		caption(out, image.Rect(0, h-band, w, h), capFace, color.White, text)
	}
	if title != "" {
		draw.Draw(out, image.Rect(0, 0, w, band), shade, image.Point{}, draw.Over)
		caption(out, image.Rect(0, 0, w, band), titleFace, color.White, title)
	}
	return out
}

func (r *Renderer) tool(name, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found (Debian: apt-get install ffmpeg; .ci/ffmpeg.sh)", name)
	}
	return p, nil
}

// Movie renders the slideshow: each picture framed with its caption (the
// title over the first) for the renderer's slide time, encoded by ffmpeg as
// H.264 MP4 at fps; the duration is what ffprobe reads back.
func (r *Renderer) Movie(ctx context.Context, title, template string, fps int, slides []albums.Slide) (albums.Rendered, error) {
	if len(slides) == 0 {
		return albums.Rendered{}, errors.New("no pictures")
	}
	ffmpeg, err := r.tool("ffmpeg", r.cfg.FFmpeg)
	if err != nil {
		return albums.Rendered{}, err
	}
	ffprobe, err := r.tool("ffprobe", r.cfg.FFprobe)
	if err != nil {
		return albums.Rendered{}, err
	}
	capFace, err := r.face(32)
	if err != nil {
		return albums.Rendered{}, err
	}
	titleFace, err := r.face(40)
	if err != nil {
		return albums.Rendered{}, err
	}
	dir, err := os.MkdirTemp("", "album-*")
	if err != nil {
		return albums.Rendered{}, fmt.Errorf("album: %w", err)
	}
	defer os.RemoveAll(dir)
	W := r.cfg.Width
	H := (W * 9 / 16) &^ 1
	pal := palette(template)
	var list strings.Builder
	var first image.Image
	secs := strconv.FormatFloat(r.cfg.Slide.Seconds(), 'f', 3, 64)
	for i, s := range slides {
		var buf bytes.Buffer
		err := holding(ctx, r.cfg.CPU, func() error {
			img, err := decode(s.Image)
			if err != nil {
				return err
			}
			t := ""
			if i == 0 {
				first, t = img, title
			}
			f := r.frame(img, W, H, pal, capFace, titleFace, s.Caption, t)
			if err := jpeg.Encode(&buf, f, &jpeg.Options{Quality: 90}); err != nil {
				return fmt.Errorf("encode frame: %w", err)
			}
			return nil
		})
		if err != nil {
			return albums.Rendered{}, err
		}
		name := filepath.Join(dir, fmt.Sprintf("f%03d.jpg", i))
		if err := os.WriteFile(name, buf.Bytes(), 0o600); err != nil {
			return albums.Rendered{}, fmt.Errorf("album: %w", err)
		}
		fmt.Fprintf(&list, "file '%s'\nduration %s\n", name, secs)
		if i == len(slides)-1 {
			// The concat demuxer takes the last file's duration only when
			// the file is listed once more.
			fmt.Fprintf(&list, "file '%s'\n", name)
		}
	}
	listPath := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(listPath, []byte(list.String()), 0o600); err != nil {
		return albums.Rendered{}, fmt.Errorf("album: %w", err)
	}
	out := filepath.Join(dir, "result.mp4")
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
		"-f", "concat", "-safe", "0", "-i", listPath,
		"-vf", "fps="+strconv.Itoa(fps)+",format=yuv420p",
		"-c:v", "libx264", "-preset", "veryfast", "-r", strconv.Itoa(fps), "-movflags", "+faststart", out)
	if _, err := background(cmd); err != nil {
		return albums.Rendered{}, fmt.Errorf("ffmpeg: %w", err)
	}
	probe, err := background(exec.CommandContext(ctx, ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", out))
	if err != nil {
		return albums.Rendered{}, fmt.Errorf("ffprobe: %w", err)
	}
	secsF, err := strconv.ParseFloat(strings.TrimSpace(string(probe)), 64)
	if err != nil {
		return albums.Rendered{}, fmt.Errorf("ffprobe duration %q: %w", probe, err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return albums.Rendered{}, fmt.Errorf("album: %w", err)
	}
	cover, cw, ch, err := r.coverOf(ctx, first, W/2)
	if err != nil {
		return albums.Rendered{}, err
	}
	return albums.Rendered{Data: data, Ext: ".mp4", ContentType: "video/mp4", Width: W, Height: H,
		Duration: time.Duration(secsF * float64(time.Second)), Cover: cover, CoverExt: ".jpg", CoverWidth: cw, CoverHeight: ch}, nil
}
