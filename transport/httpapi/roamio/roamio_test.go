package roamio_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// bearer verifies the tokens "user" and "admin"; any other is refused.
type bearer struct{}

func (bearer) Scheme() string { return "bearer" }

func (bearer) Verify(_ context.Context, cred string) (authn.Principal, error) {
	switch cred {
	case "user":
		return authn.Principal{UserID: "7", Scheme: "bearer"}, nil
	case "admin":
		return authn.Principal{UserID: "1", IsAdmin: true, Scheme: "bearer"}, nil
	}
	return authn.Principal{}, authn.ErrInvalidCredentials
}

// TestMiddlewareAnswersInRoamiosWords: without a caller User and Admin are
// DRF's 401 with the Bearer challenge, refused credentials simplejwt's
// token_not_valid; Admin refuses another user with DRF's 403.
func TestMiddlewareAnswersInRoamiosWords(t *testing.T) {
	t.Parallel()
	e := echo.New()
	e.Use(authn.Middleware([]authn.Verifier{bearer{}}))
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	r := roamio.Routes(e)
	r.With(roamio.User).GET("/user/", ok)
	r.With(roamio.Admin).GET("/admin/", ok)
	get := func(path, token string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		req := httptest.NewRequest("GET", roamio.Prefix+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		e.ServeHTTP(w, req)
		return w
	}
	t.Run("no caller is DRF's 401 with the challenge", func(t *testing.T) {
		for _, p := range []string{"/user/", "/admin"} {
			w := get(p, "")
			if w.Code != 401 || w.Header().Get("WWW-Authenticate") != `Bearer realm="api"` ||
				w.Body.String() != `{"detail":"Authentication credentials were not provided."}`+"\n" {
				t.Errorf("%s: %d %v %s", p, w.Code, w.Header(), w.Body)
			}
		}
	})
	t.Run("refused credentials are token_not_valid", func(t *testing.T) {
		if w := get("/user/", "forged"); w.Code != 401 || w.Body.String() != `{"code":"token_not_valid","detail":"Given token not valid for any token type"}`+"\n" {
			t.Errorf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("a user passes User, not Admin", func(t *testing.T) {
		if w := get("/user", "user"); w.Code != 204 {
			t.Errorf("user: %d %s", w.Code, w.Body)
		}
		if w := get("/admin/", "user"); w.Code != 403 || w.Body.String() != `{"detail":"You do not have permission to perform this action."}`+"\n" {
			t.Errorf("admin: %d %s", w.Code, w.Body)
		}
	})
	t.Run("an administrator passes Admin", func(t *testing.T) {
		if w := get("/admin/", "admin"); w.Code != 204 {
			t.Errorf("admin: %d %s", w.Code, w.Body)
		}
	})
}
