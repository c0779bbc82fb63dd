package travel

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mojocn/base64Captcha"

	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// CaptchaKey is the stored form of a captcha answer (operators and tests).
func CaptchaKey(answer string) string { return captchaHash(answer) }

// CaptchaTTL is how long a captcha may be answered.
const CaptchaTTL = 5 * time.Minute

// session returns the request's live session, creating one (and setting
// the cookie) when create is set.
func (m *Module) session(c echo.Context, create bool) (Session, bool, error) {
	ctx, now := c.Request().Context(), m.d.Clock.Now()
	if ck, err := c.Cookie(CookieName); err == nil {
		s, ok, err := m.d.Sessions.Get(ctx, ck.Value, now)
		if err != nil || ok {
			return s, ok, err
		}
	}
	if !create {
		return Session{}, false, nil
	}
	s, err := m.d.Sessions.New(ctx, now)
	if err != nil {
		return Session{}, false, err
	}
	c.SetCookie(&http.Cookie{Name: CookieName, Value: s.ID, Path: "/", Expires: s.ExpiresAt, HttpOnly: true,
		Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
	return s, true, nil
}

func captchaHash(answer string) string {
	sum := sha256.Sum256([]byte("captcha:" + strings.ToLower(strings.TrimSpace(answer))))
	return hex.EncodeToString(sum[:])
}

// newCaptcha draws 4-digit captchas.
func newCaptcha() *base64Captcha.DriverDigit {
	return base64Captcha.NewDriverDigit(60, 160, 4, 0.6, 40)
}

// captcha: GET /user/captcha → image/png (the seed), or the same PNG in
// base64 inside 004's envelope for the Travellog Android app (captchaAsJSON);
// the answer is kept (hashed) in the session, single use.
func (m *Module) captcha(c echo.Context) error {
	s, _, err := m.session(c, true)
	if err != nil {
		return err
	}
	driver := newCaptcha()
	_, q, a := driver.GenerateIdQuestionAnswer()
	item, err := driver.DrawCaptcha(q)
	if err != nil {
		return err
	}
	if err := m.d.Sessions.SetCaptcha(c.Request().Context(), s.ID, captchaHash(a), m.d.Clock.Now().Add(CaptchaTTL)); err != nil {
		return err
	}
	var png bytes.Buffer
	if _, err := item.WriteTo(&png); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if captchaAsJSON(c) {
		return answer(c, 200, "获取成功", []captchaImage{{Index: 0, Img: base64.StdEncoding.EncodeToString(png.Bytes())}})
	}
	return c.Blob(http.StatusOK, "image/png", png.Bytes())
}

// captchaImage is a captcha as the Travellog app reads it (ImagePojo:
// data[0].img, plain base64 without a "data:" prefix, which its decoder
// would take for base64 digits).
type captchaImage struct {
	Index int    `json:"index"`
	Img   string `json:"img"`
}

// captchaAsJSON tells the Travellog Android app, which reads the captcha as
// JSON, from the seed's clients, which read a PNG: a request that asks for
// JSON (Accept: application/json), or one from OkHttp (User-Agent
// "okhttp/…", which the app's Retrofit client sends with no Accept at all;
// a browser's <img> and curl never do).
func captchaAsJSON(c echo.Context) bool {
	h := c.Request().Header
	return strings.Contains(h.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) ||
		strings.HasPrefix(strings.ToLower(h.Get("User-Agent")), "okhttp/")
}

// checkCaptcha consumes the session's captcha: a Refusal when it does not
// pass. no_captcha passes only when AllowNoCaptcha.
func (m *Module) checkCaptcha(c echo.Context, f drf.Form) error {
	if m.d.AllowNoCaptcha && f.Bool("no_captcha") {
		return nil
	}
	given, _ := f.Opt("captcha")
	if strings.TrimSpace(given) == "" {
		return Refusal("请输入验证码")
	}
	s, ok, err := m.session(c, false)
	if err != nil {
		return err
	}
	if !ok {
		return Refusal("验证码过期")
	}
	hash, expires, err := m.d.Sessions.TakeCaptcha(c.Request().Context(), s.ID)
	if err != nil {
		return err
	}
	switch {
	case hash == "" || !m.d.Clock.Now().Before(expires):
		return Refusal("验证码过期")
	case subtle.ConstantTimeCompare([]byte(hash), []byte(captchaHash(given))) != 1:
		return Refusal("验证码错误")
	}
	return nil
}

// VerifyRequest implements authn.RequestVerifier: a logged-in session
// cookie is the principal (scheme "session").
func (m *Module) VerifyRequest(c echo.Context) (authn.Principal, bool, error) {
	ck, err := c.Cookie(CookieName)
	if err != nil || ck.Value == "" {
		return authn.Principal{}, false, nil
	}
	s, ok, err := m.d.Sessions.Get(c.Request().Context(), ck.Value, m.d.Clock.Now())
	if err != nil || !ok || s.UserID == 0 {
		return authn.Principal{}, false, err
	}
	u, err := m.d.Users.UserByID(c.Request().Context(), identityq.UserByID{ID: s.UserID})
	if errors.Is(err, identityq.ErrNotFound) || (err == nil && !u.IsActive) {
		return authn.Principal{}, false, nil
	}
	if err != nil {
		return authn.Principal{}, false, err
	}
	return authn.Principal{UserID: identity.FormatUserID(u.ID), Username: u.Username, IsAdmin: u.IsAdmin, Scheme: "session"}, true, nil
}
