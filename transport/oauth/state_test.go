package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/pgmigrate"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/oauth"
	"github.com/fiveapis/backend/transport/pgtest"
)

// TestStatesBoundToBrowser issues states on the real PostgreSQL and uses
// them from the browser they were issued to, from another one, late and
// twice.
func TestStatesBoundToBrowser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgmigrate.Up(ctx, pool, oauth.Migrations()); err != nil {
		t.Fatal(err)
	}
	states := oauth.NewStates(pool)
	e := echo.New()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

	// The first request gets a cookie; a request that has one keeps it.
	w := httptest.NewRecorder()
	nonce, err := oauth.BindBrowser(e.NewContext(httptest.NewRequest("GET", "/api/v1/auth/qq_login_url/", nil), w), "/api/v1/auth/")
	if err != nil || nonce == "" {
		t.Fatalf("bind: %q %v", nonce, err)
	}
	cookies := (&http.Response{Header: w.Header()}).Cookies()
	if len(cookies) != 1 || cookies[0].Value != nonce || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie: %+v", cookies)
	}
	again := httptest.NewRequest("GET", "/api/v1/auth/qq_login_url/", nil)
	again.AddCookie(cookies[0])
	if n, _ := oauth.BindBrowser(e.NewContext(again, httptest.NewRecorder()), "/api/v1/auth/"); n != nonce {
		t.Error("a second login URL changed the browser's nonce")
	}
	if got := oauth.BrowserNonce(e.NewContext(again, httptest.NewRecorder())); got != nonce {
		t.Errorf("BrowserNonce = %q", got)
	}
	forged := httptest.NewRequest("GET", "/", nil)
	forged.AddCookie(&http.Cookie{Name: oauth.BrowserCookie, Value: "short"})
	if got := oauth.BrowserNonce(e.NewContext(forged, httptest.NewRecorder())); got != "" {
		t.Errorf("malformed cookie read as %q", got)
	}
	if _, err := states.Issue(ctx, "qq", "", now); err == nil {
		t.Error("state issued without a browser nonce")
	}

	other, _ := oauth.BindBrowser(e.NewContext(httptest.NewRequest("GET", "/", nil), httptest.NewRecorder()), "/")
	issue := func() string {
		s, err := states.Issue(ctx, "qq", nonce, now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name    string
		state   string
		browser string
		at      time.Time
		want    error
	}{
		{"same browser", issue(), nonce, now.Add(time.Minute), nil},
		{"no cookie", issue(), "", now, oauth.ErrStateOtherBrowser},
		{"another browser", issue(), other, now, oauth.ErrStateOtherBrowser},
		{"expired", issue(), nonce, now.Add(oauth.StateTTL), oauth.ErrStateExpired},
		{"unknown", "forged", nonce, now, oauth.ErrStateUnknown},
	}
	for _, tt := range tests {
		if err := states.Consume(ctx, "qq", tt.state, tt.browser, tt.at); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		// Whatever the answer, a state is used once.
		if err := states.Consume(ctx, "qq", tt.state, nonce, now); !errors.Is(err, oauth.ErrStateUnknown) {
			t.Errorf("%s, again: %v", tt.name, err)
		}
	}
	if err := states.Consume(ctx, "acwing", issue(), nonce, now); !errors.Is(err, oauth.ErrStateUnknown) {
		t.Errorf("another provider's state: %v", err)
	}
}
