package accounts

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestBrowserCookieBindsStates: the first request gets an HttpOnly,
// SameSite=Lax cookie whose nonce the QQ states are bound to; a request
// that has one keeps it; a malformed cookie is no nonce.
func TestBrowserCookieBindsStates(t *testing.T) {
	t.Parallel()
	e := echo.New()
	w := httptest.NewRecorder()
	nonce, err := bindBrowser(e.NewContext(httptest.NewRequest("GET", "/api/v1/auth/qq_login_url/", nil), w))
	t.Run("a new browser gets a cookie", func(t *testing.T) {
		if err != nil || len(nonce) != nonceLen {
			t.Fatalf("bind: %q %v", nonce, err)
		}
		cookies := (&http.Response{Header: w.Header()}).Cookies()
		if len(cookies) != 1 || cookies[0].Value != nonce || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode ||
			cookies[0].Path != browserCookiePath || cookies[0].MaxAge != 600 {
			t.Fatalf("cookie: %+v", cookies)
		}
	})
	t.Run("a browser that has one keeps it", func(t *testing.T) {
		again := httptest.NewRequest("GET", "/api/v1/auth/qq_login_url/", nil)
		again.AddCookie(&http.Cookie{Name: BrowserCookie, Value: nonce})
		if n, _ := bindBrowser(e.NewContext(again, httptest.NewRecorder())); n != nonce {
			t.Error("a second login URL changed the browser's nonce")
		}
		if got := browserNonce(e.NewContext(again, httptest.NewRecorder())); got != nonce {
			t.Errorf("browserNonce = %q", got)
		}
	})
	t.Run("a malformed cookie is no nonce", func(t *testing.T) {
		forged := httptest.NewRequest("GET", "/", nil)
		forged.AddCookie(&http.Cookie{Name: BrowserCookie, Value: "short"})
		if got := browserNonce(e.NewContext(forged, httptest.NewRecorder())); got != "" {
			t.Errorf("malformed cookie read as %q", got)
		}
	})
}
