package httpapi

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// Django's CSRF cookie, header and form field, as the clients know them.
const (
	CSRFCookie    = "csrftoken"
	CSRFHeader    = "X-CSRFToken"
	csrfFormField = "csrfmiddlewaretoken"
)

// csrfAlphabet is Django's CSRF_ALLOWED_CHARS; secrets are 32 of them, and
// a masked token (the one Django puts in pages) is a 32-character mask
// followed by the secret shifted by the mask.
const csrfAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const csrfSecretLen = 32

// ErrCSRF is a state-changing request authenticated by the session cookie
// that fails Django's CSRF check (the fault's message carries Django's
// reason); the APIs answer it as their 403.
var ErrCSRF = fault.New(fault.Forbidden, "CSRF_FAILED", "CSRF Failed")

// checkCSRF is Django's CsrfViewMiddleware for every route a Router adds
// (unless the Router is ExemptFromCSRF): a state-changing request (not GET,
// HEAD, OPTIONS, TRACE) authenticated by the session cookie must
//
//   - if it has an Origin header, come from the server's own origin;
//   - over HTTPS without Origin, carry a Referer of the same origin;
//   - carry the csrftoken cookie and the same token in X-CSRFToken (or the
//     csrfmiddlewaretoken form field), plain or masked as Django masks it.
//
// Requests authenticated by a header (Bearer, Token, ApiKey) and anonymous
// ones pass: a browser does not add those to a forged request. A safe
// request of a session without the csrftoken cookie gets one.
func checkCSRF(next Handler) Handler {
	return func(c echo.Context) error {
		p, ok := authn.From(c)
		if !ok || p.Scheme != "session" {
			return next(c)
		}
		if safeMethod(c.Request().Method) {
			if ck, err := c.Cookie(CSRFCookie); err != nil || ck.Value == "" {
				SetCSRFCookie(c)
			}
			return next(c)
		}
		if reason := CSRFFailure(c); reason != "" {
			f := *ErrCSRF
			f.Message = "CSRF Failed: " + reason
			return &f
		}
		return next(c)
	}
}

// csrfCookieAge is Django's CSRF_COOKIE_AGE: one year.
const csrfCookieAge = 365 * 24 * time.Hour

// SetCSRFCookie sets a new csrftoken cookie: a 32-character secret of
// Django's alphabet, readable by the page (not HttpOnly) so that it can send
// it back in X-CSRFToken.
func SetCSRFCookie(c echo.Context) { setCSRFCookie(c, csrfRandom()) }

func setCSRFCookie(c echo.Context, secret string) {
	c.SetCookie(&http.Cookie{Name: CSRFCookie, Value: secret, Path: "/", MaxAge: int(csrfCookieAge / time.Second),
		Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
}

// csrfRandom returns 32 random characters of Django's alphabet.
func csrfRandom() string {
	secret := make([]byte, 0, csrfSecretLen)
	limit := byte(256 / len(csrfAlphabet) * len(csrfAlphabet)) // no modulo bias
	var buf [64]byte
	for len(secret) < csrfSecretLen {
		_, _ = rand.Read(buf[:]) // never fails (crypto/rand)
		for _, x := range buf {
			if x < limit && len(secret) < csrfSecretLen {
				secret = append(secret, csrfAlphabet[int(x)%len(csrfAlphabet)])
			}
		}
	}
	return string(secret)
}

// CSRFToken returns the token a server-rendered form carries in its
// csrfmiddlewaretoken field: the request's CSRF secret masked afresh, as
// Django puts it in pages (so the page never repeats the secret). A
// request without a valid csrftoken cookie gets a new one.
func CSRFToken(c echo.Context) string {
	var secret string
	if ck, err := c.Cookie(CSRFCookie); err == nil {
		secret, _ = unmaskCSRF(ck.Value)
	}
	if secret == "" {
		secret = csrfRandom()
		setCSRFCookie(c, secret)
	}
	mask := csrfRandom()
	n := len(csrfAlphabet)
	out := make([]byte, 0, 2*csrfSecretLen)
	out = append(out, mask...)
	for i := range csrfSecretLen {
		x := strings.IndexByte(csrfAlphabet, secret[i]) + strings.IndexByte(csrfAlphabet, mask[i])
		out = append(out, csrfAlphabet[x%n])
	}
	return string(out)
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// CSRFFailure returns why the request fails Django's CSRF check ("" when it
// passes), in Django's words.
func CSRFFailure(c echo.Context) string {
	req := c.Request()
	secure := c.Scheme() == "https"
	own := c.Scheme() + "://" + req.Host
	if origin := req.Header.Get("Origin"); origin != "" {
		if !strings.EqualFold(origin, own) {
			return "Origin checking failed - " + origin + " does not match any trusted origins."
		}
	} else if secure {
		referer := req.Header.Get("Referer")
		if referer == "" {
			return "Referer checking failed - no Referer."
		}
		u, err := url.Parse(referer)
		switch {
		case err != nil || u.Host == "":
			return "Referer checking failed - Referer is malformed."
		case u.Scheme != "https":
			return "Referer checking failed - Referer is insecure while host is secure."
		case !strings.EqualFold(u.Host, req.Host):
			return "Referer checking failed - " + referer + " does not match any trusted origins."
		}
	}
	ck, err := c.Cookie(CSRFCookie)
	if err != nil || ck.Value == "" {
		return "CSRF cookie not set."
	}
	secret, ok := unmaskCSRF(ck.Value)
	if !ok {
		return "CSRF cookie has incorrect length."
	}
	token := req.Header.Get(CSRFHeader)
	if token == "" && req.Method == http.MethodPost {
		token = c.FormValue(csrfFormField)
	}
	if token == "" {
		return "CSRF token missing."
	}
	given, ok := unmaskCSRF(token)
	if !ok {
		return "CSRF token has incorrect length."
	}
	if subtle.ConstantTimeCompare([]byte(given), []byte(secret)) != 1 {
		return "CSRF token incorrect."
	}
	return ""
}

// unmaskCSRF returns the secret of a token: a 32-character secret as is, a
// 64-character masked token unmasked; false for anything else.
func unmaskCSRF(token string) (string, bool) {
	for _, r := range token {
		if !strings.ContainsRune(csrfAlphabet, r) {
			return "", false
		}
	}
	switch len(token) {
	case csrfSecretLen:
		return token, true
	case 2 * csrfSecretLen:
		mask, cipher := token[:csrfSecretLen], token[csrfSecretLen:]
		n := len(csrfAlphabet)
		out := make([]byte, csrfSecretLen)
		for i := range out {
			x := strings.IndexByte(csrfAlphabet, cipher[i]) - strings.IndexByte(csrfAlphabet, mask[i])
			out[i] = csrfAlphabet[(x%n+n)%n]
		}
		return string(out), true
	}
	return "", false
}
