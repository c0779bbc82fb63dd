package accounts

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// BrowserCookie is the cookie that binds QQ states to the browser that
// asked for them: a random nonce, HttpOnly and SameSite=Lax, of which the
// state store keeps only the digest. A callback without the same cookie is
// refused, so an attacker cannot make a victim's browser finish a login the
// attacker started (login CSRF).
const BrowserCookie = "oauth_browser"

// browserCookiePath scopes the cookie: qq_login_url sets it, qq_callback
// and qq_bind_existing need it.
const browserCookiePath = "/api/v1/auth/"

// browserCookieTTL is the cookie's lifetime: the states' (transport/oauth's
// StateTTL).
const browserCookieTTL = 10 * time.Minute

// nonceLen is the length of a nonce: 24 random bytes in unpadded URL-safe
// base64, the form the state store accepts.
const nonceLen = 32

// bindBrowser returns the nonce of the request's browser cookie, setting a
// new cookie when the request carries none; an existing one is kept and
// renewed, so that several login tabs of one browser all stay valid.
func bindBrowser(c echo.Context) (string, error) {
	nonce := browserNonce(c)
	if nonce == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("browser nonce: %w", err)
		}
		nonce = base64.RawURLEncoding.EncodeToString(b[:])
	}
	c.SetCookie(&http.Cookie{Name: BrowserCookie, Value: nonce, Path: browserCookiePath, MaxAge: int(browserCookieTTL / time.Second),
		HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
	return nonce, nil
}

// browserNonce returns the nonce of the request's browser cookie, "" when
// it has none (or a malformed one).
func browserNonce(c echo.Context) string {
	ck, err := c.Cookie(BrowserCookie)
	if err != nil || len(ck.Value) != nonceLen {
		return ""
	}
	if _, err := base64.RawURLEncoding.DecodeString(ck.Value); err != nil {
		return ""
	}
	return ck.Value
}
