package magpie_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/magpie"
)

// sessionOrKey authenticates "sessionid" cookies as sessions and
// "Authorization: ApiKey" as API keys, as the server's verifiers do.
type sessionOrKey struct{}

func (sessionOrKey) VerifyRequest(c echo.Context) (authn.Principal, bool, error) {
	if _, err := c.Cookie("sessionid"); err != nil {
		return authn.Principal{}, false, nil
	}
	return authn.Principal{UserID: "1", Scheme: "session"}, true, nil
}

func (sessionOrKey) Scheme() string { return "apikey" }

func (sessionOrKey) Verify(context.Context, string) (authn.Principal, error) {
	return authn.Principal{UserID: "1", Scheme: "apikey"}, nil
}

// csrfAlphabet is Django's CSRF_ALLOWED_CHARS.
const csrfAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// maskCSRF masks secret with mask as Django's _mask_cipher_secret does.
func maskCSRF(secret, mask string) string {
	n := len(csrfAlphabet)
	out := []byte(mask)
	for i := range secret {
		out = append(out, csrfAlphabet[(strings.IndexByte(csrfAlphabet, secret[i])+strings.IndexByte(csrfAlphabet, mask[i]))%n])
	}
	return string(out)
}

// csrfServer serves a state-changing route under 003's prefix through a
// Router with Magpie's error table, and another API's route without one.
func csrfServer() *echo.Echo {
	e := echo.New()
	e.Pre(authn.Middleware([]authn.Verifier{sessionOrKey{}}, sessionOrKey{}))
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	r := httpapi.NewRouter(e, "/api/lastest", magpie.Render)
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		r.Add(m, "/ticket/", ok)
	}
	e.POST("/user/logout", ok)
	return e
}

// TestCSRFRefusalsInTastypiesWords: a state change authenticated by the
// session cookie passes only with Django's CSRF rules kept (the Router's
// check), and is refused as 403 {"error": …, "reason": <Django's reason>}.
func TestCSRFRefusalsInTastypiesWords(t *testing.T) {
	t.Parallel()
	e := csrfServer()
	const secret = "0123456789abcdef0123456789ABCDEF"
	masked := maskCSRF(secret, "zyxwvutsrqponmlkjihgfedcbaZYXWVU")
	type req struct {
		method, path, auth, cookie, token, origin, referer, proto string
		session                                                   bool
	}
	tests := []struct {
		name   string
		r      req
		status int
		reason string
	}{
		{"session with the token", req{method: "POST", session: true, cookie: secret, token: secret}, 204, ""},
		{"session with a masked token", req{method: "PATCH", session: true, cookie: secret, token: masked}, 204, ""},
		{"session without a token", req{method: "POST", session: true, cookie: secret}, 403, `"reason":"CSRF token missing."`},
		{"session without the cookie", req{method: "DELETE", session: true, token: secret}, 403, `"reason":"CSRF cookie not set."`},
		{"session with another token", req{method: "PUT", session: true, cookie: secret, token: strings.Repeat("a", 32)}, 403, "CSRF token incorrect."},
		{"session with a malformed token", req{method: "POST", session: true, cookie: secret, token: "<script>"}, 403, "CSRF token has incorrect length."},
		{"session from another origin", req{method: "POST", session: true, cookie: secret, token: secret, origin: "https://evil.example"}, 403, "Origin checking failed"},
		{"session from its own origin", req{method: "POST", session: true, cookie: secret, token: secret, origin: "http://example.com"}, 204, ""},
		{"https session without Referer", req{method: "POST", session: true, cookie: secret, token: secret, proto: "https"}, 403, "no Referer"},
		{"https session from another site", req{method: "POST", session: true, cookie: secret, token: secret, proto: "https", referer: "https://evil.example/x"}, 403, "does not match"},
		{"https session with an insecure Referer", req{method: "POST", session: true, cookie: secret, token: secret, proto: "https", referer: "http://example.com/x"}, 403, "insecure"},
		{"https session from its own pages", req{method: "POST", session: true, cookie: secret, token: secret, proto: "https", referer: "https://example.com/app/"}, 204, ""},
		{"session reading", req{method: "GET", session: true}, 204, ""},
		{"ApiKey, no token", req{method: "POST", session: true, auth: "ApiKey u:k"}, 204, ""},
		{"anonymous", req{method: "POST"}, 204, ""},
		{"another API's route", req{method: "POST", path: "/user/logout", session: true}, 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.r.path
			if path == "" {
				path = "/api/lastest/ticket/"
			}
			r := httptest.NewRequest(tt.r.method, "http://example.com"+path, strings.NewReader(`{}`))
			r.Header.Set("Content-Type", "application/json")
			if tt.r.session {
				r.AddCookie(&http.Cookie{Name: "sessionid", Value: "s"})
			}
			if tt.r.cookie != "" {
				r.AddCookie(&http.Cookie{Name: httpapi.CSRFCookie, Value: tt.r.cookie})
			}
			for h, v := range map[string]string{"Authorization": tt.r.auth, httpapi.CSRFHeader: tt.r.token, "Origin": tt.r.origin,
				"Referer": tt.r.referer, "X-Forwarded-Proto": tt.r.proto} {
				if v != "" {
					r.Header.Set(h, v)
				}
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.reason) ||
				(tt.status == 403 && !strings.Contains(w.Body.String(), `"error":"CSRF verification failed. Request aborted."`)) {
				t.Errorf("%d %s, want %d %q", w.Code, w.Body, tt.status, tt.reason)
			}
		})
	}
}

// TestCSRFCookieOnRead: a session's read without the cookie gets a
// Django-shaped token that then passes the check.
func TestCSRFCookieOnRead(t *testing.T) {
	t.Parallel()
	e := csrfServer()
	send := func(method string, cookies []*http.Cookie, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://example.com/api/lastest/ticket/", nil)
		r.AddCookie(&http.Cookie{Name: "sessionid", Value: "s"})
		for _, ck := range cookies {
			r.AddCookie(ck)
		}
		if token != "" {
			r.Header.Set(httpapi.CSRFHeader, token)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		return w
	}
	w := send("GET", nil, "")
	cookies := (&http.Response{Header: w.Header()}).Cookies()
	if w.Code != 204 || len(cookies) != 1 || cookies[0].Name != httpapi.CSRFCookie || cookies[0].HttpOnly {
		t.Fatalf("read without the cookie: %d %+v", w.Code, cookies)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(cookies[0].Value) {
		t.Errorf("token %q is not Django-shaped", cookies[0].Value)
	}
	if w := send("GET", cookies, ""); len(w.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("a read with the cookie replaced it: %v", w.Header().Values("Set-Cookie"))
	}
	if w := send("POST", cookies, cookies[0].Value); w.Code != 204 {
		t.Errorf("write with the issued token: %d %s", w.Code, w.Body)
	}
}
