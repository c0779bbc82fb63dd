package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// unreachable is a verifier whose user lookup cannot reach the database.
type unreachable struct{}

func (unreachable) Scheme() string { return "token" }
func (unreachable) Verify(context.Context, string) (authn.Principal, error) {
	return authn.Principal{}, &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}
}

// refused is a verifier that refuses every credential.
type refused struct{}

func (refused) Scheme() string { return "bearer" }
func (refused) Verify(context.Context, string) (authn.Principal, error) {
	return authn.Principal{}, authn.ErrInvalidCredentials
}

// TestADatabaseBlipIsNotALogout: a credential that could not be checked
// because the database was unavailable gets the API's 503 with Retry-After,
// never its 401; a refused credential still gets the 401; and a database
// error a handler returns is the API's 503 too.
func TestADatabaseBlipIsNotALogout(t *testing.T) {
	t.Parallel()
	e := httpapi.NewEcho(httpapi.Config{}, slog.New(slog.DiscardHandler), routesFunc(func(e *echo.Echo) {
		r := httpapi.NewRouter(e, "", func(c echo.Context, err error) error { return drf.RenderError(c, err, "Token") })
		user := r.With(httpapi.RequireUser(func(echo.Context, error) error { return errors.New("the API's own 401") }))
		user.GET("/me/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
		r.GET("/read/", func(c echo.Context) error {
			return &pgconn.ConnectError{}
		})
	}))
	e.Pre(authn.Middleware([]authn.Verifier{unreachable{}, refused{}}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	get := func(t *testing.T, path, auth string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	t.Run("an unchecked credential is 503", func(t *testing.T) {
		resp, body := get(t, "/me/", "Token abc")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, `"detail"`) {
			t.Fatalf("%d %s (Retry-After %q)", resp.StatusCode, body, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("a refused credential is still refused", func(t *testing.T) {
		if resp, body := get(t, "/me/", "Bearer abc"); resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "own 401") {
			// The test's unauthenticated hook returns an unclassified error:
			// the point is that it was called (500), not the 503.
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("a handler's database error is 503", func(t *testing.T) {
		if resp, body := get(t, "/read/", ""); resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "pgconn") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}
