package ralendar_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// TestOAuthProvider: Ralendar's OAuth 2.0 provider refuses what RFC 6749
// says it must (unknown clients, foreign redirect URIs, a wrong secret, a
// code used twice, tampered or another client's), and its tokens work on
// the calendar API. The whole flow with a Roamio of another deployment is
// TestBindRalendarOfAnotherDeployment (transport/httpapi/roamio/ralendarlink).
func TestOAuthProvider(t *testing.T) {
	t.Parallel()
	const (
		redirect = "https://roamio.example/auth/ralendar/callback"
		secret   = "client-secret-0123456789"
	)
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.RalendarOAuth.ServerClients = []string{"roamio:" + secret + ":" + redirect, "other:other-secret-0123456789:https://other.example/cb"}
	}))
	c := apptest.NewClient(s)
	u := s.NewUser(t)
	q := url.Values{"client_id": {"roamio"}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"st"}}
	form := func(v url.Values) map[string]string {
		out := map[string]string{}
		for k := range v {
			out[k] = v.Get(k)
		}
		return out
	}
	code := func(t *testing.T) string {
		t.Helper()
		r := c.Do(t, "POST", "/api/oauth/authorize/", u.Bearer, form(q))
		if r.Status != http.StatusOK || r.Body["code"] == nil {
			t.Fatalf("authorize: %d %s", r.Status, r.Raw)
		}
		return r.Body["code"].(string)
	}
	wantError := func(t *testing.T, r apptest.Reply, status int, code string) {
		t.Helper()
		if r.Status != status || r.Body["error"] != code || r.Body["error_description"] == nil {
			t.Errorf("got %d %s, want %d %s", r.Status, r.Raw, status, code)
		}
	}

	t.Run("the authorization request is checked", func(t *testing.T) {
		if r := c.Do(t, "GET", "/api/oauth/authorize/?"+q.Encode(), "", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", r.Status)
		}
		for name, edit := range map[string]func(url.Values){
			"unknown client":   func(v url.Values) { v.Set("client_id", "nobody") },
			"foreign redirect": func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") },
			"another client's": func(v url.Values) { v.Set("redirect_uri", "https://other.example/cb") },
			"implicit grant":   func(v url.Values) { v.Set("response_type", "token") },
			"unknown scope":    func(v url.Values) { v.Set("scope", "calendar:read admin") },
		} {
			t.Run(name, func(t *testing.T) {
				v := url.Values{}
				for k := range q {
					v.Set(k, q.Get(k))
				}
				edit(v)
				wantError(t, c.Do(t, "GET", "/api/oauth/authorize/?"+v.Encode(), u.Bearer, nil), http.StatusBadRequest, "invalid_request")
				wantError(t, c.Do(t, "POST", "/api/oauth/authorize/", u.Bearer, form(v)), http.StatusBadRequest, "invalid_request")
			})
		}
	})
	t.Run("refusing sends access_denied back", func(t *testing.T) {
		f := form(q)
		r := c.Do(t, "POST", "/api/oauth/authorize/", u.Bearer, map[string]any{"client_id": f["client_id"], "redirect_uri": redirect,
			"response_type": "code", "state": "st", "allow": false})
		to, _ := r.Body["redirect_to"].(string)
		if r.Status != http.StatusOK || r.Body["code"] != nil || !strings.HasPrefix(to, redirect+"?") || !strings.Contains(to, "error=access_denied") {
			t.Errorf("refusal: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("the token endpoint", func(t *testing.T) {
		cd := code(t)
		wantError(t, c.Do(t, "POST", "/api/oauth/token/", "", map[string]string{"grant_type": "authorization_code", "code": cd,
			"client_id": "roamio", "client_secret": "wrong-secret-0123456789"}), http.StatusUnauthorized, "invalid_client")
		wantError(t, c.Do(t, "POST", "/api/oauth/token/", "", map[string]string{"grant_type": "authorization_code", "code": cd,
			"client_id": "other", "client_secret": "other-secret-0123456789"}), http.StatusBadRequest, "invalid_grant")
		wantError(t, c.Do(t, "POST", "/api/oauth/token/", "", map[string]string{"grant_type": "authorization_code", "code": cd + "x",
			"client_id": "roamio", "client_secret": secret}), http.StatusBadRequest, "invalid_grant")
		wantError(t, c.Do(t, "POST", "/api/oauth/token/", "", map[string]string{"grant_type": "authorization_code", "code": cd,
			"redirect_uri": "https://evil.example/cb", "client_id": "roamio", "client_secret": secret}), http.StatusBadRequest, "invalid_grant")
		wantError(t, c.Do(t, "POST", "/api/oauth/token/", "", map[string]string{"grant_type": "password",
			"client_id": "roamio", "client_secret": secret}), http.StatusBadRequest, "unsupported_grant_type")
		// A form with HTTP Basic, as RFC 6749 prefers.
		req, _ := http.NewRequest("POST", s.URL+"/api/oauth/token/", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
			"code": {cd}, "redirect_uri": {redirect}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("roamio", secret)
		r := c.Send(t, req)
		if r.Status != http.StatusOK {
			t.Fatalf("token: %d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"access_token": "string", "refresh_token": "string", "expires_in": "int",
			"token_type": "string", "user.id": "int", "user.username": "string"})
		if r.Body["token_type"] != "Bearer" || r.Body["user"].(map[string]any)["username"] != u.Username {
			t.Errorf("token answer %s", r.Raw)
		}
		access, refresh := r.Body["access_token"].(string), r.Body["refresh_token"].(string)
		if me := c.Do(t, "GET", "/api/oauth/userinfo/", "Bearer "+access, nil); me.Status != http.StatusOK || me.Body["username"] != u.Username {
			t.Errorf("userinfo: %d %s", me.Status, me.Raw)
		}
		if ev := c.Do(t, "GET", "/api/events/", "Bearer "+access, nil); ev.Status != http.StatusOK {
			t.Errorf("the calendar with the token: %d", ev.Status)
		}
		wantError(t, c.Do(t, "POST", "/api/oauth/token/", "", map[string]string{"grant_type": "authorization_code", "code": cd,
			"client_id": "roamio", "client_secret": secret}), http.StatusBadRequest, "invalid_grant")
		r2 := c.Do(t, "POST", "/api/oauth/token/", "", map[string]string{"grant_type": "refresh_token", "refresh_token": refresh,
			"client_id": "roamio", "client_secret": secret})
		if r2.Status != http.StatusOK || r2.Body["access_token"] == "" || r2.Body["refresh_token"] != refresh {
			t.Errorf("refresh: %d %s", r2.Status, r2.Raw)
		}
		wantError(t, c.Do(t, "POST", "/api/oauth/token/", "", map[string]string{"grant_type": "refresh_token", "refresh_token": access,
			"client_id": "roamio", "client_secret": secret}), http.StatusBadRequest, "invalid_grant")
	})
}
