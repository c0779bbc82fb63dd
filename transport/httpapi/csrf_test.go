package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// cookieSession authenticates a request carrying the cookie "sessionid" as
// a session (the travel app's verifier does so for every module).
type cookieSession struct{}

func (cookieSession) VerifyRequest(c echo.Context) (authn.Principal, bool, error) {
	if _, err := c.Cookie(httpapi.SessionCookie); err != nil {
		return authn.Principal{}, false, nil
	}
	return authn.Principal{UserID: "7", Scheme: "session"}, true, nil
}

type bearer struct{}

func (bearer) Scheme() string { return "bearer" }
func (bearer) Verify(_ context.Context, _ string) (authn.Principal, error) {
	return authn.Principal{UserID: "7", Scheme: "bearer"}, nil
}

// TestCSRF: a state change authenticated by the session cookie passes only
// with Django's CSRF rules kept, on every Router's routes unless exempt.
func TestCSRF(t *testing.T) {
	t.Parallel()
	e := httpapi.NewEcho(httpapi.Config{}, slog.New(slog.DiscardHandler), routesFunc(func(e *echo.Echo) {
		render := func(c echo.Context, err error) error {
			f, _ := fault.As(err)
			return c.String(http.StatusForbidden, f.Code+": "+f.Message)
		}
		ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
		httpapi.NewRouter(e, "/guarded", render).POST("/x/", ok)
		httpapi.NewRouter(e, "/app", render).ExemptFromCSRF().POST("/x/", ok)
	}))
	e.Pre(authn.Middleware([]authn.Verifier{bearer{}}, cookieSession{}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	const token = "abcdefghijklmnopqrstuvwxyzABCDEF"
	do := func(t *testing.T, path string, h map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	session := "sessionid=s1; csrftoken=" + token
	for _, tc := range []struct {
		name, path string
		h          map[string]string
		want       int
		reason     string
	}{
		{"a foreign origin", "/guarded/x/", map[string]string{"Cookie": session, "Origin": "https://evil.example", "X-CSRFToken": token}, 403, "Origin checking failed"},
		{"no token", "/guarded/x/", map[string]string{"Cookie": session}, 403, "CSRF token missing"},
		{"a wrong token", "/guarded/x/", map[string]string{"Cookie": session, "X-CSRFToken": strings.ToUpper(token)}, 403, "CSRF token incorrect"},
		{"the cookie's token", "/guarded/x/", map[string]string{"Cookie": session, "X-CSRFToken": token}, 204, ""},
		{"a header credential needs none", "/guarded/x/", map[string]string{"Cookie": session, "Authorization": "Bearer x", "Origin": "https://evil.example"}, 204, ""},
		{"an exempt API", "/app/x/", map[string]string{"Cookie": session}, 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, tc.path, tc.h)
			if status != tc.want || !strings.Contains(body, tc.reason) {
				t.Fatalf("%d %q, want %d with %q", status, body, tc.want, tc.reason)
			}
		})
	}
}

// TestCSRFToken: a form's token is the cookie's secret masked afresh each
// time; it passes the check with the cookie, a request without a cookie
// gets one, and a token of another secret fails.
func TestCSRFToken(t *testing.T) {
	t.Parallel()
	e := echo.New()
	const secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
	token := func(cookie string) (string, []*http.Cookie) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: httpapi.CSRFCookie, Value: cookie})
		}
		rec := httptest.NewRecorder()
		tok := httpapi.CSRFToken(e.NewContext(req, rec))
		return tok, rec.Result().Cookies()
	}
	check := func(cookie, tok string) string {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("csrfmiddlewaretoken="+tok))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: httpapi.CSRFCookie, Value: cookie})
		return httpapi.CSRFFailure(e.NewContext(req, httptest.NewRecorder()))
	}
	a, set := token(secret)
	b, _ := token(secret)
	if len(a) != 64 || a == b || strings.Contains(a, secret) || len(set) != 0 {
		t.Fatalf("tokens %q %q, cookies %v", a, b, set)
	}
	if why := check(secret, a); why != "" {
		t.Fatalf("a masked token fails: %s", why)
	}
	if why := check("ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", a); why != "CSRF token incorrect." {
		t.Fatalf("another secret: %q", why)
	}
	fresh, set := token("")
	if len(set) != 1 || set[0].Name != httpapi.CSRFCookie || check(set[0].Value, fresh) != "" {
		t.Fatalf("without a cookie: %q %v", fresh, set)
	}
}
