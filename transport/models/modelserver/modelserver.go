// Package modelserver is the client of the model server: the image models
// that need trained networks (weather recognition, style transfer, FSRCNN
// super-resolution) run there, behind a small HTTP protocol, so that this
// backend ships no weights and no inference runtime. docs/travel.md
// ("Model endpoints") describes the protocol and how to run a server.
//
// Protocol: every call is POST multipart/form-data with the picture in the
// part "image" and the options as fields:
//
//	POST {base}/weather            → 200 application/json {"weather","weather_id","tags","rate"}
//	POST {base}/style   style=…     → 200 image/jpeg (the stylised picture)
//	POST {base}/fsrcnn  scale=2|3|4 → 200 image/jpeg (the enlarged picture)
//
// A 4xx answer is the server refusing the input: its body (text, or JSON
// {"error": "…"}) is the reason, returned as a *RejectedError. Anything else
// (no connection, a timeout, a 5xx, a malformed answer) is ErrUnavailable.
package modelserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxAnswerBytes bounds an answer read from the server (a picture 4× the
// largest upload is far below it).
const MaxAnswerBytes = 64 << 20

// ErrUnavailable: the model server could not answer.
var ErrUnavailable = errors.New("model server unavailable")

// RejectedError: the model server refused the input (a 4xx), with its reason.
type RejectedError struct{ Reason string }

func (e *RejectedError) Error() string { return "model server refused the input: " + e.Reason }

// RejectReason is the server's reason, for callers that cannot import this
// package (the HTTP edge reads it through an interface).
func (e *RejectedError) RejectReason() string { return e.Reason }

// Weather is the weather recognised in a picture: the best tag, its index,
// every tag and the network's score for each.
type Weather struct {
	Weather   string    `json:"weather"`
	WeatherID int       `json:"weather_id"`
	Tags      []string  `json:"tags"`
	Rate      []float64 `json:"rate"`
}

// Client calls one model server.
type Client struct {
	base *url.URL
	http *http.Client
}

// New returns a client of the server at base (http or https), each call
// bounded by timeout.
func New(base string, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("model server URL %q: want http(s)://host[:port][/path]", base)
	}
	return &Client{base: u, http: &http.Client{Timeout: timeout}}, nil
}

// Weather recognises the weather of a picture.
func (c *Client) Weather(ctx context.Context, image []byte) (Weather, error) {
	body, ct, err := c.call(ctx, "weather", image, nil)
	if err != nil {
		return Weather{}, err
	}
	var w Weather
	if !strings.HasPrefix(ct, "application/json") || json.Unmarshal(body, &w) != nil || w.Weather == "" || len(w.Tags) != len(w.Rate) {
		return Weather{}, fmt.Errorf("%w: malformed weather answer", ErrUnavailable)
	}
	return w, nil
}

// Style renders a picture in a style ("" the server's default) and returns
// the JPEG.
func (c *Client) Style(ctx context.Context, image []byte, style string) ([]byte, error) {
	fields := map[string]string{}
	if style != "" {
		fields["style"] = style
	}
	return c.jpeg(ctx, "style", image, fields)
}

// FSRCNN enlarges a picture scale times (2, 3 or 4) and returns the JPEG.
func (c *Client) FSRCNN(ctx context.Context, image []byte, scale int) ([]byte, error) {
	return c.jpeg(ctx, "fsrcnn", image, map[string]string{"scale": fmt.Sprint(scale)})
}

func (c *Client) jpeg(ctx context.Context, path string, image []byte, fields map[string]string) ([]byte, error) {
	body, ct, err := c.call(ctx, path, image, fields)
	if err != nil {
		return nil, err
	}
	if ct != "image/jpeg" || http.DetectContentType(body) != "image/jpeg" {
		return nil, fmt.Errorf("%w: %s answered %q, not a JPEG", ErrUnavailable, path, ct)
	}
	return body, nil
}

// call posts the picture and fields to {base}/{path}.
func (c *Client) call(ctx context.Context, path string, image []byte, fields map[string]string) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("image", "image")
	if err != nil {
		return nil, "", fmt.Errorf("model server %s: %w", path, err)
	}
	part.Write(image) //nolint:errcheck // a bytes.Buffer does not fail
	for k, v := range fields {
		mw.WriteField(k, v) //nolint:errcheck // as above
	}
	mw.Close() //nolint:errcheck // as above
	u := c.base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), &buf)
	if err != nil {
		return nil, "", fmt.Errorf("model server %s: %w", path, err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s: %v", ErrUnavailable, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if err != nil || len(body) > MaxAnswerBytes {
		return nil, "", fmt.Errorf("%w: %s: answer unreadable or too large", ErrUnavailable, path)
	}
	ct := strings.TrimSpace(strings.Split(resp.Header.Get("Content-Type"), ";")[0])
	switch {
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return nil, "", &RejectedError{Reason: reason(body)}
	case resp.StatusCode != http.StatusOK:
		return nil, "", fmt.Errorf("%w: %s answered %d", ErrUnavailable, path, resp.StatusCode)
	}
	return body, ct, nil
}

// reason is a refusal's text: {"error": "…"} or the body itself, cut short.
func reason(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	s := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		s = e.Error
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}
