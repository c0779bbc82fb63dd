package imagecheck_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/transport/httpapi/imagecheck"
	"github.com/fiveapis/backend/transport/httpapi/imagechecktest"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	whole := imagechecktest.NoisyPNG(t, 64, 64)

	for _, c := range []struct {
		name string
		data []byte
		want imagecheck.Checked
	}{
		{"a PNG", whole, imagecheck.Checked{ContentType: "image/png", Ext: ".png"}},
		{"a JPEG", imagechecktest.JPEG(t), imagecheck.Checked{ContentType: "image/jpeg", Ext: ".jpg"}},
		{"a GIF", imagechecktest.GIF(t), imagecheck.Checked{ContentType: "image/gif", Ext: ".gif"}},
		{"a WebP", imagechecktest.TinyWebP(), imagecheck.Checked{ContentType: "image/webp", Ext: ".webp"}},
	} {
		t.Run(c.name+" is taken", func(t *testing.T) {
			got, err := imagecheck.Check(c.data, imagecheck.MaxPixels)
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
		{"a valid IHDR without image data", imagechecktest.PNGHeader(16, 16, nil)},
		{"text", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")},
		{"nothing", nil},
	} {
		t.Run(c.name+" is not an image", func(t *testing.T) {
			if _, err := imagecheck.Check(c.data, imagecheck.MaxPixels); !errors.Is(err, imagecheck.ErrNotAnImage) {
				t.Errorf("got %v", err)
			}
		})
	}

	for _, c := range []struct {
		name string
		data []byte
		want imagecheck.TooManyPixelsError
	}{
		{"a 30000×30000 PNG header", imagechecktest.PNGHeader(30000, 30000, bytes.Repeat([]byte{0}, 64)),
			imagecheck.TooManyPixelsError{Width: 30000, Height: 30000, Max: imagecheck.MaxPixels}},
		{"a 30000×30000 GIF screen", imagechecktest.GIFScreen(30000, 30000), imagecheck.TooManyPixelsError{Width: 30000, Height: 30000, Max: imagecheck.MaxPixels}},
		{"a WebP frame larger than its 1×1 canvas", imagechecktest.WebPBomb(), imagecheck.TooManyPixelsError{Width: 16384, Height: 16384, Max: imagecheck.MaxPixels}},
		{"one pixel over the limit", imagechecktest.PNGHeader(4097, 4096, nil), imagecheck.TooManyPixelsError{Width: 4097, Height: 4096, Max: imagecheck.MaxPixels}},
	} {
		t.Run(c.name+" is refused before decoding", func(t *testing.T) {
			_, err := imagecheck.Check(c.data, imagecheck.MaxPixels)
			var got imagecheck.TooManyPixelsError
			if !errors.As(err, &got) {
				t.Fatalf("got %v", err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
