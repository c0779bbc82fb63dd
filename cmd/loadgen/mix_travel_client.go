package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// The travel log's calls for the mixed workload (10): every answer is
// HTTP 200 with {"code", "msg", "data"}, the session is the cookie
// sessionid, bodies are forms or multipart.

// travelAccount is a travel user and its logged-in session.
type travelAccount struct {
	Name, Email, Password string
	// Cookie is the Cookie header of the logged-in session ("sessionid=…").
	Cookie string
}

// travelBody is a request body with its content type.
type travelBody struct {
	ctype string
	data  []byte
}

// travelForm is an urlencoded form.
func travelForm(v url.Values) *travelBody {
	return &travelBody{ctype: "application/x-www-form-urlencoded", data: []byte(v.Encode())}
}

// travelFile is a multipart body with one file (field, name) and fields.
func travelFile(field, name string, data []byte, fields url.Values) (*travelBody, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				return nil, err
			}
		}
	}
	part, err := mw.CreateFormFile(field, name)
	if err != nil {
		return nil, err
	}
	if _, err := part.Write(data); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return &travelBody{ctype: mw.FormDataContentType(), data: b.Bytes()}, nil
}

// travelEnvelopeCheck accepts an envelope whose inner code is code (and
// whose message holds msg, if not empty) and decodes its data into out.
func travelEnvelopeCheck(code int, msg string, out any) func(answer) error {
	return func(a answer) error {
		var env travelEnvelope
		if err := json.Unmarshal(a.Body, &env); err != nil {
			return fmt.Errorf("not an envelope: %w: %.200s", err, a.Body)
		}
		if env.Code != code || !strings.Contains(env.Msg, msg) {
			return fmt.Errorf("code %d %q, want %d %q", env.Code, env.Msg, code, msg)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(env.Data, out); err != nil {
			return fmt.Errorf("data: %w: %.200s", err, env.Data)
		}
		return nil
	}
}

// travelTypeCheck accepts a plain answer (a file, a PNG, a form) of a
// content type starting with one of ctypes.
func travelTypeCheck(ctypes ...string) func(answer) error {
	return func(a answer) error {
		got := a.Header.Get("Content-Type")
		for _, ct := range ctypes {
			if strings.HasPrefix(got, ct) {
				return nil
			}
		}
		return fmt.Errorf("content type %q, want %s", got, strings.Join(ctypes, " or "))
	}
}

// travelSend makes one call of the travel log as who (nil: no session)
// and checks its answer.
func travelSend(ctx context.Context, w *mixWorker, op, path string, who *travelAccount, body *travelBody, check func(answer) error) (answer, error) {
	hdr := http.Header{}
	if who != nil && who.Cookie != "" {
		hdr.Set("Cookie", who.Cookie)
	}
	var rd io.Reader
	if body != nil {
		hdr.Set("Content-Type", body.ctype)
		rd = bytes.NewReader(body.data)
	}
	return w.SendCheck(ctx, op, path, "", hdr, rd, http.StatusOK, check)
}

// travelCall makes a call that succeeds (code 200) and decodes its data.
func travelCall(ctx context.Context, w *mixWorker, op, path string, who *travelAccount, body *travelBody, out any) error {
	_, err := travelSend(ctx, w, op, path, who, body, travelEnvelopeCheck(200, "", out))
	return err
}

// travelPostOnly sends a GET to a POST-only path, as a stray client does:
// the documented answer is the refusal 请使用 POST 请求.
func travelPostOnly(ctx context.Context, w *mixWorker, op, path string, who *travelAccount) error {
	_, err := travelSend(ctx, w, op, path, who, nil, travelEnvelopeCheck(403, "请使用 POST 请求", nil))
	return err
}

// travelLoginAs logs acct in (POST /user/login, no captcha: the bench
// server allows it) and keeps the session's cookie.
func travelLoginAs(ctx context.Context, w *mixWorker, acct *travelAccount) error {
	form := url.Values{"user": {acct.Name}, "password": {acct.Password}, "no_captcha": {"true"}}
	a, err := travelSend(ctx, w, "POST /user/login", "/user/login", nil, travelForm(form), travelEnvelopeCheck(200, "", nil))
	if err != nil {
		return err
	}
	if acct.Cookie = travelCookie(a); acct.Cookie == "" {
		return errors.New("travel login: no session cookie")
	}
	return nil
}

// travelCookie is the session cookie an answer sets, as a Cookie header.
func travelCookie(a answer) string {
	for _, ck := range (&http.Response{Header: a.Header}).Cookies() {
		if ck.Name == "sessionid" && ck.Value != "" {
			return ck.Name + "=" + ck.Value
		}
	}
	return ""
}

// travelRegister registers a new user (POST /user/register) and logs it in.
func travelRegister(ctx context.Context, w *mixWorker) (*travelAccount, error) {
	name := w.Unique("tv")
	acct := &travelAccount{Name: name, Email: name + "@bench.example", Password: userPassword(name)}
	form := url.Values{"uname": {acct.Name}, "email": {acct.Email}, "password": {acct.Password}, "no_captcha": {"true"}}
	if err := travelCall(ctx, w, "POST /user/register", "/user/register", nil, travelForm(form), nil); err != nil {
		return nil, err
	}
	return acct, travelLoginAs(ctx, w, acct)
}

// travelPicture is a w×h JPEG (a gradient and a band of colour, so the
// colour and weather models have something to find), or a PNG.
func travelPicture(wd, ht, i int, asPNG bool) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, wd, ht))
	for y := range ht {
		for x := range wd {
			c := color.RGBA{uint8((x + 37*i) % 256), uint8(y % 256), uint8((x + y + 61*i) % 256), 255}
			if y < ht/3 {
				c = color.RGBA{uint8(90 + 10*i), 160, 230, 255} // a sky
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	}
	return b.Bytes(), err
}
