package modelshttp_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi/imagechecktest"
	modelshttp "github.com/fiveapis/backend/transport/httpapi/travel/models"
)

// heldWeather is a model server whose weather waits until released.
type heldWeather struct {
	entered chan struct{}
	release chan struct{}
}

func (m heldWeather) Weather(context.Context, []byte) (modelshttp.Weather, error) {
	m.entered <- struct{}{}
	<-m.release
	return modelshttp.Weather{Weather: "sunny", Tags: []string{"sunny"}, Rate: []float64{1}}, nil
}
func (heldWeather) Style(context.Context, []byte, string) ([]byte, error) { return nil, nil }
func (heldWeather) FSRCNN(context.Context, []byte, int) ([]byte, error)   { return nil, nil }

// Requests that take a picture run at most MaxBusy at once; one more waits
// QueueWait, then is refused as busy, and the first still answers.
func TestPictureRoutesAreBounded(t *testing.T) {
	t.Parallel()
	m := heldWeather{entered: make(chan struct{}), release: make(chan struct{})}
	e := echo.New()
	modelshttp.New(modelshttp.Deps{Models: m, MaxBusy: 1, QueueWait: 50 * time.Millisecond}).Mount(e)
	srv := httptest.NewServer(e)
	defer srv.Close()
	c := caller{t: t, s: &apptest.Server{URL: srv.URL, Client: srv.Client()}}
	pic := imagechecktest.NoisyPNG(t, 32, 32)
	first := make(chan envelope)
	go func() { first <- c.multipart("/api/weather", okhttp, nil, pic) }()
	<-m.entered
	refused(t, c.multipart("/api/color", okhttp, nil, pic), "服务器繁忙,请稍后再试")
	close(m.release)
	var w struct{ Weather string }
	ok(t, <-first, &w)
	if w.Weather != "sunny" {
		t.Fatalf("%+v", w)
	}
}
