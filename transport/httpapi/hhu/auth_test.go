package hhu_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// tokens accepts "Token good" (user 1), "Token admin" (user 2, an admin);
// "Token old" is expired, "Token gone" an inactive user's.
type tokens struct{}

func (tokens) Scheme() string { return "token" }
func (tokens) Verify(_ context.Context, cred string) (authn.Principal, error) {
	switch cred {
	case "good":
		return authn.Principal{UserID: "1", Scheme: "token"}, nil
	case "admin":
		return authn.Principal{UserID: "2", Scheme: "token", IsAdmin: true}, nil
	case "old":
		return authn.Principal{}, fmt.Errorf("%w: %w", authn.ErrInvalidCredentials, identity.ErrTokenExpired)
	case "gone":
		return authn.Principal{}, fmt.Errorf("%w: %w", authn.ErrInvalidCredentials, identity.ErrUserInactive)
	}
	return authn.Principal{}, authn.ErrInvalidCredentials
}

// routes serves /user/ behind User, /admin/ behind Admin and /fail/ that
// answers the error its ?kind= names.
type routes struct{}

func (routes) Mount(e *echo.Echo) {
	e.Use(authn.Middleware([]authn.Verifier{tokens{}}))
	r := hhu.Routes(e)
	caller := func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]int64{"id": httpapi.Actor(c).UserID})
	}
	r.With(hhu.User).GET("/user/", caller)
	r.With(hhu.Admin).GET("/admin/", caller)
	r.GET("/fail/", func(c echo.Context) error {
		switch c.QueryParam("kind") {
		case "not-found":
			return hhu.ErrNotFound
		case "page":
			return hhu.ErrInvalidPage
		case "wechat":
			return hhu.ErrWeChatUnavailable
		case "throttled":
			return &fault.Error{Kind: fault.RateLimited, Code: "X", Message: "slow down", RetryAfterSeconds: 7}
		}
		return fault.Invalidf("name", "This field may not be blank.")
	})
}

func TestDialect(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(httpapi.NewEcho(httpapi.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), routes{}))
	defer srv.Close()
	get := func(t *testing.T, path, auth string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, strings.TrimSpace(string(b))
	}
	for _, tc := range []struct {
		name, path, auth string
		status           int
		body             string
	}{
		{"no credentials", "/user/", "", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"unknown token", "/user/", "Token bad", 401, `{"detail":"Invalid token."}`},
		{"expired token", "/user/", "Token old", 401, `{"detail":"Token has expired."}`},
		{"inactive user", "/user/", "Token gone", 401, `{"detail":"User inactive or deleted."}`},
		{"user", "/user/", "Token good", 200, `{"id":1}`},
		{"user without the slash", "/user", "Token good", 200, `{"id":1}`},
		{"admin route without credentials", "/admin/", "", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"admin route of a user", "/admin/", "Token good", 403, `{"detail":"You do not have permission to perform this action."}`},
		{"admin", "/admin/", "Token admin", 200, `{"id":2}`},
		{"not found", "/fail/?kind=not-found", "", 404, `{"detail":"Not found."}`},
		{"invalid page", "/fail/?kind=page", "", 404, `{"detail":"Invalid page."}`},
		{"WeChat unavailable", "/fail/?kind=wechat", "", 502, `{"detail":"微信服务暂不可用"}`},
		{"field fault", "/fail/", "", 400, `{"name":["This field may not be blank."]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := get(t, tc.path, tc.auth)
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			if diff := cmp.Diff(tc.body, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if got := h.Get("WWW-Authenticate"); (status == 401) != (got == "Token") {
				t.Errorf("status %d with WWW-Authenticate %q", status, got)
			}
		})
	}
	t.Run("rate limited answers carry Retry-After", func(t *testing.T) {
		status, h, body := get(t, "/fail/?kind=throttled", "")
		if status != 429 || h.Get("Retry-After") != "7" || body != `{"detail":"slow down"}` {
			t.Errorf("%d Retry-After %q %s", status, h.Get("Retry-After"), body)
		}
	})
}
