package hhu_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	domain "github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

type fakeIdentity struct{}

func (fakeIdentity) GetAPIToken(_ context.Context, cmd identitycmd.GetAPIToken) (identitycmd.APITokenGranted, error) {
	if cmd.Username == "ann" && cmd.Password == "secret pw" {
		return identitycmd.APITokenGranted{Key: strings.Repeat("k", 40)}, nil
	}
	return identitycmd.APITokenGranted{}, domain.ErrBadCredentials
}

type clock struct{}

func (clock) Now() time.Time { return time.Now() }

type verifier struct{}

func (verifier) Scheme() string { return "token" }
func (verifier) Verify(_ context.Context, cred string) (authn.Principal, error) {
	switch cred {
	case "good":
		return authn.Principal{UserID: "1", Scheme: "token"}, nil
	case "old":
		return authn.Principal{}, fmt.Errorf("%w: %w", authn.ErrInvalidCredentials, domain.ErrTokenExpired)
	}
	return authn.Principal{}, authn.ErrInvalidCredentials
}

type protected struct{}

func (protected) Mount(e *echo.Echo) {
	e.Use(authn.Middleware([]authn.Verifier{verifier{}}))
	e.GET("/current-user/", func(c echo.Context) error {
		p, ok, err := hhu.RequireUser(c)
		if !ok {
			return err
		}
		return c.JSON(200, map[string]string{"id": p.UserID})
	})
}

func TestGetTokenAndRequireUser(t *testing.T) {
	t.Parallel()
	e := httpapi.NewEcho(httpapi.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), protected{},
		hhu.New(hhu.Deps{Identity: fakeIdentity{}, Clock: clock{}}))
	srv := httptest.NewServer(e)
	defer srv.Close()
	do := func(method, path, ctype, body, auth string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Errorf("%s %s: not JSON: %s", method, path, b)
		}
		return res.StatusCode, strings.TrimSpace(string(b))
	}
	form := url.Values{"username": {"ann"}, "password": {"secret pw"}}.Encode()
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		want              string
	}{
		{"json", "application/json", `{"username":"ann","password":"secret pw"}`, 200, `{"token":"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"}`},
		{"form", "application/x-www-form-urlencoded", form, 200, `{"token":"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"}`},
		{"wrong password", "application/json", `{"username":"ann","password":"nope"}`, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`},
		{"missing", "application/json", `{}`, 400, `{"password":["This field is required."],"username":["This field is required."]}`},
		{"wrong type", "application/json", `{"username":["ann"],"password":"x"}`, 400, `{"username":["Not a valid string."]}`},
		{"malformed", "application/json", `{"username":`, 400, `{"detail":"JSON parse error - Unexpected end of the JSON document"}`},
		{"unsupported", "text/plain", `username=ann`, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
	} {
		status, body := do("POST", "/auth/get-token/", tc.ctype, tc.body, "")
		if status != tc.status {
			t.Errorf("%s: status %d %s", tc.name, status, body)
		}
		if diff := cmp.Diff(tc.want, body); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	for auth, want := range map[string]string{
		"":           `{"detail":"Authentication credentials were not provided."}`,
		"Token bad":  `{"detail":"Invalid token."}`,
		"Token old":  `{"detail":"Token has expired."}`,
		"Token good": `{"id":"1"}`,
	} {
		_, body := do("GET", "/current-user/", "", "", auth)
		if body != want {
			t.Errorf("auth %q: %s, want %s", auth, body, want)
		}
	}
}
