package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"strings"
	"time"
)

// The travel log's share of the bench (004): the time to render a 10-image
// album (MP4, ffmpeg) and long image end to end, and its public lists under
// the load of (2) (figure 6).

// travelSession is a logged-in session of the travel app (cookie
// sessionid), as the Android client holds one.
type travelSession struct {
	base string
	http *http.Client
}

// travelEnvelope is 004's answer: HTTP 200 with the real code inside.
type travelEnvelope struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// travelLogin logs user in through /user/login (the bench server allows
// no_captcha: TRAVEL_ALLOW_NO_CAPTCHA).
func travelLogin(ctx context.Context, c *client, user, password string) (*travelSession, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	s := &travelSession{base: c.base, http: &http.Client{Transport: c.http.Transport, Jar: jar, Timeout: 60 * time.Second}}
	form := url.Values{"user": {user}, "password": {password}, "no_captcha": {"true"}}
	if _, err := s.send(ctx, http.MethodPost, "/user/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); err != nil {
		return nil, fmt.Errorf("travel login: %w", err)
	}
	return s, nil
}

// send makes one request and returns the envelope's data, failing unless
// the inner code is 200.
func (s *travelSession) send(ctx context.Context, method, path, contentType string, body io.Reader) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	var env travelEnvelope
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &env) != nil || env.Code != 200 {
		return nil, fmt.Errorf("%s %s: %d %.300s", method, path, resp.StatusCode, raw)
	}
	return env.Data, nil
}

func (s *travelSession) upload(ctx context.Context, path, name string, data []byte) error {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	if _, err := part.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_, err = s.send(ctx, http.MethodPost, path, w.FormDataContentType(), &b)
	return err
}

// benchPhotos are n distinct 1280×960 JPEGs (a gradient and a band of
// colour each, so the colour analysis has something to find), about a
// phone photo's size after the app's compression.
func benchPhotos(n int) ([][]byte, error) {
	out := make([][]byte, n)
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 1280, 960))
		for y := range 960 {
			for x := range 1280 {
				c := color.RGBA{uint8((x + 37*i) % 256), uint8(y % 256), uint8((x + y + 61*i) % 256), 255}
				if y > 300+20*i && y < 500+20*i {
					c = color.RGBA{uint8(40 * i), 160, uint8(255 - 20*i), 255}
				}
				img.Set(x, y, c)
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
			return nil, err
		}
		out[i] = b.Bytes()
	}
	return out, nil
}

// renderJob runs one job of kind ("movie" or "photo") end to end: new,
// info.json and the photos, start, then the status every 100 ms until it
// is done; it returns the time from start to done.
func renderJob(ctx context.Context, s *travelSession, kind string, photos [][]byte, share bool) (time.Duration, error) {
	data, err := s.send(ctx, http.MethodGet, "/"+kind+"/new", "", nil)
	if err != nil {
		return 0, err
	}
	var job struct {
		WorkID int64 `json:"work_id"`
	}
	if err := json.Unmarshal(data, &job); err != nil {
		return 0, fmt.Errorf("%s/new: %w", kind, err)
	}
	base := fmt.Sprintf("/%s/%d", kind, job.WorkID)
	names := make([]string, len(photos))
	for i := range photos {
		names[i] = fmt.Sprintf("IMG_%02d.jpg", i)
	}
	info, _ := json.Marshal(map[string]any{"images": names, "title": "基准影集", "description": "十张照片",
		"share": share, "tag": 1, "fps": 24, "latitude": 30.25, "longitude": 120.15})
	if err := s.upload(ctx, base+"/upload", "info.json", info); err != nil {
		return 0, err
	}
	for i, p := range photos {
		if err := s.upload(ctx, base+"/upload", names[i], p); err != nil {
			return 0, err
		}
	}
	t0 := time.Now()
	if _, err := s.send(ctx, http.MethodGet, base+"/start", "", nil); err != nil {
		return 0, err
	}
	for {
		data, err := s.send(ctx, http.MethodGet, base+"/status", "", nil)
		if err != nil {
			return 0, err
		}
		var st struct {
			Status    int    `json:"status"`
			ResultMsg string `json:"result_msg"`
		}
		if err := json.Unmarshal(data, &st); err != nil {
			return 0, fmt.Errorf("%s/status: %w", base, err)
		}
		switch st.Status {
		case 200:
			return time.Since(t0), nil
		case -1, -2:
			return 0, fmt.Errorf("%s failed: %s", base, st.ResultMsg)
		}
		if time.Since(t0) > 10*time.Minute {
			return 0, fmt.Errorf("%s not done after 10 min (status %d)", base, st.Status)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// travelRun is the render time of one album and one long image.
type travelRun struct{ Album, LongImage time.Duration }

// benchTravel renders runs albums and long images of 10 photos (shared, so
// the public lists of (6) hold them) and writes posts forum posts. It
// returns nil runs, and says why, when ffmpeg is missing.
func (f *fixture) benchTravel(ctx context.Context, runs, posts int) ([]travelRun, string, error) {
	s, err := travelLogin(ctx, f.c, f.users[2%len(f.users)], userPassword(f.users[2%len(f.users)]))
	if err != nil {
		return nil, "", err
	}
	f.travel = s
	for i := range posts {
		form := url.Values{"title": {fmt.Sprintf("游记 %d", i)}, "type": {"1"}, "text": {strings.Repeat("西湖的春天。", 20)}}
		if _, err := s.send(ctx, http.MethodPost, "/forum/post/new", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); err != nil {
			return nil, "", err
		}
	}
	f.forumPages = max(1, (posts+9)/10)
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return nil, "ffmpeg is not installed (.ci/ffmpeg.sh installs it): albums not rendered", nil
	}
	photos, err := benchPhotos(10)
	if err != nil {
		return nil, "", err
	}
	var out []travelRun
	for r := range runs {
		var tr travelRun
		if tr.Album, err = renderJob(ctx, s, "movie", photos, true); err != nil {
			return nil, "", fmt.Errorf("album %d: %w", r+1, err)
		}
		if tr.LongImage, err = renderJob(ctx, s, "photo", photos, true); err != nil {
			return nil, "", fmt.Errorf("long image %d: %w", r+1, err)
		}
		logf("8. run %d: 10-image album %.1f s, long image %.1f s", r+1, tr.Album.Seconds(), tr.LongImage.Seconds())
		out = append(out, tr)
	}
	return out, "", nil
}

// travelQuery is one public list of the travel app read under (2).
func (f *fixture) travelQuery(i int) string {
	switch i % 4 {
	case 0:
		return "/movie/all"
	case 1:
		return "/photo/all"
	case 2:
		return "/movie/tag/1"
	}
	return fmt.Sprintf("/forum/page/%d", 1+i%f.forumPages)
}
