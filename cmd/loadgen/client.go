package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// client talks to the server under test over loopback.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// request is a request to path with the given headers, as auth when auth
// is not empty.
func (c *client) request(ctx context.Context, method, path, auth string, hdr http.Header, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req, nil
}

type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (c *client) do(ctx context.Context, method, path, auth string, body any) (answer, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(raw)
	}
	var hdr http.Header
	if rd != nil {
		hdr = http.Header{"Content-Type": {"application/json"}}
	}
	req, err := c.request(ctx, method, path, auth, hdr, rd)
	if err != nil {
		return answer{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

// call sends a request and decodes the answer's envelope data (or whole body)
// into out, failing unless the status is want.
func (c *client) call(ctx context.Context, method, path, auth string, body any, want int, out any) error {
	a, err := c.do(ctx, method, path, auth, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if a.Status != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.300s", method, path, a.Status, want, a.Body)
	}
	if out == nil {
		return nil
	}
	return decodeAnswer(a.Body, out)
}

// decodeAnswer decodes an envelope's data (status success) or the whole body.
func decodeAnswer(body []byte, out any) error {
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &env) == nil && env.Status == "success" && len(env.Data) > 0 {
		return json.Unmarshal(env.Data, out)
	}
	return json.Unmarshal(body, out)
}

func (c *client) login(ctx context.Context, username, password string) (string, error) {
	var out struct {
		Access string `json:"access"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/v1/auth/login/", "", map[string]string{"username": username, "password": password}, http.StatusOK, &out); err != nil {
		return "", err
	}
	return "Bearer " + out.Access, nil
}

func (c *client) register(ctx context.Context, name, password string) (string, error) {
	var out struct {
		Access string `json:"access"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/v1/auth/register/", "", map[string]string{
		"username": name, "email": name + "@example.com", "password": password, "password_confirm": password,
	}, http.StatusCreated, &out); err != nil {
		return "", err
	}
	return "Bearer " + out.Access, nil
}

// timingMillis reads a step's duration the server reports on a command
// answer ("Server-Timing: ryw;dur=<ms>, cmd;dur=<ms>": the read-your-writes
// wait, deciding and appending); ok is false when absent.
func timingMillis(h http.Header, name string) (float64, bool) {
	v := h.Get("Server-Timing")
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if !strings.HasPrefix(part, name+";") {
			continue
		}
		_, dur, ok := strings.Cut(part, "dur=")
		if !ok {
			return 0, false
		}
		f, err := strconv.ParseFloat(dur, 64)
		return f, err == nil
	}
	return 0, false
}
