package ralendar_test

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// Ralendar's clients (clients.md §2 and §3, ppshuX/Ralendar @ a9cfa46): the
// web and AcApp front ends (web_frontend/src/api/index.js: axios, base
// /api, "Authorization: Bearer" from localStorage, on 401 one POST
// /api/auth/refresh/ {refresh} and the call again; components/NavBar.vue)
// and the Android app (adapp …/api/services/AuthService.kt, LoginActivity.kt,
// api/models/EventModels.kt: Retrofit with Gson).

const (
	qqAppID = "qq-app"
	qqKey   = "qq-key"
	// Roamio's QQ callback, and Ralendar's own that its Android client
	// catches in its WebView.
	roamioQQRedirect   = "https://roamio.example/qq/callback"
	ralendarQQRedirect = "https://app7626.acapp.acwing.com.cn/qq/callback"
)

func TestRalendarWebClientAccountCalls(t *testing.T) {
	t.Parallel()
	clock := apptest.NewFakeClock()
	s := apptest.Start(t, apptest.WithClock(clock))
	c := apptest.NewClient(s)
	name := "cal" + apptest.RandomHex(4)
	var access, refresh string

	t.Run("POST /api/auth/register/ {username, password, email}", func(t *testing.T) {
		r := c.Do(t, "POST", "/api/auth/register/", "", map[string]any{"username": name, "password": "calendar-pw-1", "email": name + "@example.com"})
		if r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"id": "number", "username": "string", "email": "string"})
	})
	t.Run("POST /api/auth/register/ {username, password}", func(t *testing.T) {
		if r := c.Do(t, "POST", "/api/auth/register/", "", map[string]any{"username": name + "b", "password": "calendar-pw-1"}); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	})
	t.Run("POST /api/auth/login/ {username, password}", func(t *testing.T) {
		r := c.Do(t, "POST", "/api/auth/login/", "", map[string]any{"username": name, "password": "calendar-pw-1"})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"access": "string", "refresh": "string|absent"})
		access, _ = r.Body["access"].(string)
		refresh, _ = r.Body["refresh"].(string)
	})
	t.Run("GET /api/auth/me/ (NavBar)", func(t *testing.T) {
		r := c.Do(t, "GET", "/api/auth/me/", "Bearer "+access, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"username": "string", "email": "string|null", "photo": "string|null"})
	})
	t.Run("401, then POST /api/auth/refresh/ {refresh}, then the call again", func(t *testing.T) {
		clock.Advance(5*time.Minute + time.Second)
		if r := c.Do(t, "GET", "/api/auth/me/", "Bearer "+access, nil); r.Status != 401 {
			t.Fatalf("expired access: %d %s", r.Status, r.Raw)
		}
		r := c.Do(t, "POST", "/api/auth/refresh/", "", map[string]any{"refresh": refresh})
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"access": "string", "refresh": "string|absent"})
		access, _ = r.Body["access"].(string)
		if r := c.Do(t, "GET", "/api/auth/me/", "Bearer "+access, nil); r.Status != 200 {
			t.Errorf("again: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("POST /api/auth/refresh/ {refresh}: a refused refresh token sends the client to its login", func(t *testing.T) {
		if r := c.Do(t, "POST", "/api/auth/refresh/", "", map[string]any{"refresh": access}); r.Status != 401 {
			t.Errorf("%d %s", r.Status, r.Raw)
		}
	})
}

func TestRalendarAndroidClientAccountCalls(t *testing.T) {
	t.Parallel()
	// QQ accepts only Ralendar's redirect URI here: the code exchange must
	// send the one apply_code_url had.
	qq := apptest.NewFakeQQ(qqAppID, qqKey, ralendarQQRedirect)
	provider := httptest.NewServer(qq)
	t.Cleanup(provider.Close)
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.OAuth.QQAppID, c.OAuth.QQAppKey, c.OAuth.QQAPIURL = qqAppID, qqKey, provider.URL
		c.OAuth.QQRedirectURI, c.OAuth.RalendarQQRedirectURI = roamioQQRedirect, ralendarQQRedirect
	}))
	// Retrofit sends no cookies of its own.
	c := &apptest.Client{S: s}
	var access string

	t.Run("GET /api/auth/qq/login/ (getQQLoginUrl)", func(t *testing.T) {
		r := c.Do(t, "GET", "/api/auth/qq/login/", "", nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"apply_code_url": "string"})
		u, err := url.Parse(r.Body["apply_code_url"].(string))
		if err != nil || u.Scheme+"://"+u.Host+u.Path != provider.URL+"/oauth2.0/authorize" {
			t.Fatalf("apply_code_url %v: %v", r.Body["apply_code_url"], err)
		}
		if q := u.Query(); q.Get("client_id") != qqAppID || q.Get("redirect_uri") != ralendarQQRedirect || q.Get("response_type") != "code" || q.Get("state") == "" {
			t.Errorf("apply_code_url query: %s", u.RawQuery)
		}
	})
	t.Run("POST /api/auth/qq/callback/ {code} (qqLogin)", func(t *testing.T) {
		oid := qq.User("日历用户")
		r := c.Do(t, "POST", "/api/auth/qq/callback/", "", map[string]any{"code": qq.Code(oid)})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"access": "string|null", "refresh": "string|null", "user": "object|null",
			"user.id": "int", "user.username": "string", "user.email": "string|null"})
		if photo := r.Body["user"].(map[string]any)["photo"]; photo != apptest.AvatarURL(oid) {
			t.Errorf("photo %v", photo)
		}
		access, _ = r.Body["access"].(string)
	})
	t.Run("POST /api/auth/qq/callback/ {code}: a used code", func(t *testing.T) {
		oid := qq.User("日历用户2")
		code := qq.Code(oid)
		if r := c.Do(t, "POST", "/api/auth/qq/callback/", "", map[string]any{"code": code}); r.Status != 200 {
			t.Fatalf("first: %d %s", r.Status, r.Raw)
		}
		if r := c.Do(t, "POST", "/api/auth/qq/callback/", "", map[string]any{"code": code}); r.Status != 400 {
			t.Errorf("again: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("GET /api/auth/me/ with @Header Authorization (getCurrentUser)", func(t *testing.T) {
		r := c.Do(t, "GET", "/api/auth/me/", "Bearer "+access, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"id": "int", "username": "string", "email": "string|null"})
	})
	t.Run("POST /api/auth/qq/login/ {code, state} (the seed's QQ login) uses Ralendar's redirect URI too", func(t *testing.T) {
		r := c.Do(t, "POST", "/api/auth/qq/login/", "", map[string]any{"code": qq.Code(qq.User("日历用户3")), "state": "s"})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"access": "string", "refresh": "string", "user.id": "number", "user.photo": "string"})
	})
}
