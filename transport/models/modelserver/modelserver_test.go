package modelserver_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/models/modelserver"
	"github.com/fiveapis/backend/transport/models/modelserver/standin"
)

// picture paints a w×h PNG: the top half c, the rest dark green.
func picture(t *testing.T, w, h int, c color.NRGBA) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if y < h/2 {
				img.SetNRGBA(x, y, c)
			} else {
				img.SetNRGBA(x, y, color.NRGBA{30, 80, 30, 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestClientAgainstStandIn(t *testing.T) {
	srv := httptest.NewServer(standin.Handler())
	defer srv.Close()
	c, err := modelserver.New(srv.URL+"/", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Run("weather: a blue sky is sunny, a dark one rainy, with a score per tag", func(t *testing.T) {
		for _, tc := range []struct {
			sky  color.NRGBA
			want string
		}{{color.NRGBA{90, 150, 235, 255}, "sunny"}, {color.NRGBA{40, 42, 45, 255}, "rainy"}, {color.NRGBA{170, 172, 175, 255}, "cloudy"}, {color.NRGBA{250, 250, 252, 255}, "snow"}} {
			w, err := c.Weather(ctx, picture(t, 60, 40, tc.sky))
			if err != nil {
				t.Fatal(err)
			}
			if w.Weather != tc.want || w.Tags[w.WeatherID] != tc.want || len(w.Rate) != 4 {
				t.Errorf("sky %v: %+v, want %s", tc.sky, w, tc.want)
			}
		}
	})
	t.Run("fsrcnn enlarges by the scale and answers a JPEG", func(t *testing.T) {
		out, err := c.FSRCNN(ctx, picture(t, 30, 20, color.NRGBA{200, 10, 10, 255}), 3)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
		if err != nil || cfg.Width != 90 || cfg.Height != 60 {
			t.Fatalf("%+v %v", cfg, err)
		}
	})
	t.Run("style keeps the size; an unknown style is the server's refusal", func(t *testing.T) {
		out, err := c.Style(ctx, picture(t, 30, 20, color.NRGBA{200, 10, 10, 255}), "")
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(out)); err != nil || cfg.Width != 30 {
			t.Fatalf("%+v %v", cfg, err)
		}
		_, err = c.Style(ctx, picture(t, 30, 20, color.NRGBA{}), "monet")
		var rej *modelserver.RejectedError
		if !errors.As(err, &rej) || rej.Reason != "指定的风格不存在" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("text is refused by the server", func(t *testing.T) {
		_, err := c.FSRCNN(ctx, []byte("hello"), 2)
		var rej *modelserver.RejectedError
		if !errors.As(err, &rej) {
			t.Fatalf("%v", err)
		}
	})
}

func TestClientFailures(t *testing.T) {
	t.Run("bad URLs are refused", func(t *testing.T) {
		for _, u := range []string{"", "ftp://x", "localhost:9000", "http://"} {
			if _, err := modelserver.New(u, time.Second); err == nil {
				t.Errorf("%q taken", u)
			}
		}
	})
	t.Run("no server, a 500 and a non-JPEG answer are ErrUnavailable", func(t *testing.T) {
		broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/fsrcnn" {
				w.Header().Set("Content-Type", "image/jpeg")
				w.Write([]byte("not a jpeg")) //nolint:errcheck // test server
				return
			}
			http.Error(w, "boom", http.StatusInternalServerError)
		}))
		defer broken.Close()
		gone := httptest.NewServer(http.NotFoundHandler())
		goneURL := gone.URL
		gone.Close()
		for _, base := range []string{broken.URL, goneURL} {
			c, err := modelserver.New(base, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Weather(context.Background(), []byte("x")); !errors.Is(err, modelserver.ErrUnavailable) {
				t.Errorf("%s weather: %v", base, err)
			}
			if _, err := c.FSRCNN(context.Background(), []byte("x"), 2); !errors.Is(err, modelserver.ErrUnavailable) {
				t.Errorf("%s fsrcnn: %v", base, err)
			}
		}
	})
}
