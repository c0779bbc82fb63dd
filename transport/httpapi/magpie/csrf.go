package magpie

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// Django's CSRF cookie, header and form field, as 003's clients know them.
const (
	CSRFCookie    = "csrftoken"
	CSRFHeader    = "X-CSRFToken"
	csrfFormField = "csrfmiddlewaretoken"
	// APIPrefix is everything 003 serves; csrfGuard covers all of it.
	APIPrefix = "/api/lastest/"
)

// csrfAlphabet is Django's CSRF_ALLOWED_CHARS; secrets are 32 of them, and
// a masked token (the one Django puts in pages) is a 32-character mask
// followed by the secret shifted by the mask.
const csrfAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const csrfSecretLen = 32

// csrfGuard is Django's CsrfViewMiddleware for 003, applied as tastypie's
// SessionAuthentication does: a state-changing request (not GET, HEAD,
// OPTIONS, TRACE) under APIPrefix that is authenticated by the session
// cookie must
//
//   - if it has an Origin header, come from the server's own origin;
//   - over HTTPS without Origin, carry a Referer of the same origin;
//   - carry the csrftoken cookie and the same token in X-CSRFToken (or the
//     csrfmiddlewaretoken form field), plain or masked as Django masks it.
//
// Otherwise it is 403 {"error": "CSRF verification failed. Request
// aborted.", "reason": …} with Django's reason. A safe request of a session
// without the csrftoken cookie gets one (the login sets it too). Requests authenticated by
// "Authorization: ApiKey" (or any header credential) and anonymous ones are
// exempt: a browser does not add those to a forged request.
func csrfGuard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if !strings.HasPrefix(req.URL.Path, APIPrefix) {
			return next(c)
		}
		p, ok := authn.From(c)
		if !ok || p.Scheme != "session" {
			return next(c)
		}
		if safeMethod(req.Method) {
			// As Django's ensure_csrf_cookie: a session that came from
			// another module's login gets its token on its first read.
			if ck, err := c.Cookie(CSRFCookie); err != nil || ck.Value == "" {
				setCSRFCookie(c)
			}
			return next(c)
		}
		if reason := csrfFailure(c); reason != "" {
			return Render(c, CSRFFailure{Reason: reason})
		}
		return next(c)
	}
}

// csrfCookieAge is Django's CSRF_COOKIE_AGE: one year.
const csrfCookieAge = 365 * 24 * time.Hour

// setCSRFCookie sets a new csrftoken cookie: a 32-character secret of
// Django's alphabet, readable by the page (not HttpOnly) so that it can
// send it back in X-CSRFToken.
func setCSRFCookie(c echo.Context) {
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
	c.SetCookie(&http.Cookie{Name: CSRFCookie, Value: string(secret), Path: "/", MaxAge: int(csrfCookieAge / time.Second),
		Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// csrfFailure returns why the request fails Django's check ("" when it
// passes).
func csrfFailure(c echo.Context) string {
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
