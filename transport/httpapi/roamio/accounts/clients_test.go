package accounts_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// The Roamio web client (clients.md §1: ppshuX/roamio frontend/web/src/api/
// api.js, auth.js, user.js, stores/user.js, views/auth/RegisterView.vue,
// components/UserProfilePopover.vue, views/user-center/UserCenterView.vue):
// axios with withCredentials, so the HttpOnly refresh cookie goes back with
// every call; "Authorization: Bearer <access>" once logged in; JSON bodies;
// the answers read unwrapped.

// webClient is the browser the web client runs in: its cookies, and the
// access token the store keeps in memory.
type webClient struct {
	*apptest.Client
	access string
}

// call sends a request as the client's axios instance does: the Bearer
// header when it has an access token.
func (w *webClient) call(t *testing.T, method, path string, body any) apptest.Reply {
	t.Helper()
	auth := ""
	if w.access != "" {
		auth = "Bearer " + w.access
	}
	return w.Do(t, method, "/api/v1"+path, auth, body)
}

// mailedCode waits for the code mailed to email for purpose (the subject
// names it).
func mailedCode(t *testing.T, smtp *smtptest.Server, email, subject string) string {
	t.Helper()
	m := smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Subject, subject) }, 15*time.Second)
	code := apptest.Code(m.Body)
	if code == "" {
		t.Fatalf("no code in %q", m.Body)
	}
	return code
}

func TestRoamioWebClientAccountCalls(t *testing.T) {
	t.Parallel()
	qq := apptest.NewFakeQQ(qqAppID, qqAppKey, qqRedirect)
	provider := httptest.NewServer(qq)
	t.Cleanup(provider.Close)
	clock := apptest.NewFakeClock()
	s, smtp := apptest.StartWithMail(t, clock, apptest.WithConfig(func(c *app.Config) {
		c.OAuth.QQAppID, c.OAuth.QQAppKey, c.OAuth.QQAPIURL, c.OAuth.QQRedirectURI = qqAppID, qqAppKey, provider.URL, qqRedirect
	}))
	w := &webClient{Client: apptest.NewClient(s)}
	w.Headers = map[string]string{"Origin": s.URL}
	name := "web" + apptest.RandomHex(4)
	email := name + "@example.com"
	password := "Roamio-pw-" + apptest.RandomHex(3)
	var token, refresh string
	var id float64

	// RegisterView: send a code, verify it, register with its token.
	t.Run("POST /auth/send_verification_code/ {email, type}: refused", func(t *testing.T) {
		r := w.call(t, "POST", "/auth/send_verification_code/", map[string]any{"email": "not-an-address", "type": "register"})
		if r.Status != 400 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"error": "string|absent", "email.0": "string"})
	})
	t.Run("POST /auth/send_verification_code/ {email, type}", func(t *testing.T) {
		if r := w.call(t, "POST", "/auth/send_verification_code/", map[string]any{"email": email, "type": "register"}); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	})
	code := mailedCode(t, smtp, email, "注册")
	t.Run("POST /auth/verify_code/ {email, code, type}: refused", func(t *testing.T) {
		wrong := fmt.Sprintf("%06d", (int(code[0]-'0')+1)%10*100000)
		r := w.call(t, "POST", "/auth/verify_code/", map[string]any{"email": email, "code": wrong, "type": "register"})
		if r.Status != 400 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"error": "string"})
	})
	t.Run("POST /auth/verify_code/ {email, code, type}", func(t *testing.T) {
		r := w.call(t, "POST", "/auth/verify_code/", map[string]any{"email": email, "code": code, "type": "register"})
		if r.Status != 200 || r.Body["success"] != true {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"success": "bool", "verification_token": "string"})
		token, _ = r.Body["verification_token"].(string)
	})
	t.Run("POST /auth/register/ {…, password2, verification_token}: passwords differ", func(t *testing.T) {
		r := w.call(t, "POST", "/auth/register/", map[string]any{"username": name, "email": email, "password": password,
			"password2": password + "x", "verification_token": token})
		if r.Status != 400 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"password2.0": "string"})
	})
	t.Run("POST /auth/register/ {…, password2, verification_token}: a forged token", func(t *testing.T) {
		r := w.call(t, "POST", "/auth/register/", map[string]any{"username": name, "email": email, "password": password,
			"password2": password, "verification_token": token + "0"})
		if r.Status != 400 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"verification_token.0": "string"})
	})
	t.Run("POST /auth/register/ {username, email, password, password2, verification_token}", func(t *testing.T) {
		r := w.call(t, "POST", "/auth/register/", map[string]any{"username": name, "email": email, "password": password,
			"password2": password, "verification_token": token})
		if r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"access": "string", "user": "object", "user.id": "number", "user.username": "string",
			"user.profile.avatar_url": "absent|string|null", "user.is_superuser": "absent|bool", "user.is_staff": "absent|bool"})
		if w.Cookie("refresh_token") == nil {
			t.Error("no refresh cookie")
		}
		w.access, _ = r.Body["access"].(string)
		id, _ = r.Body["user"].(map[string]any)["id"].(float64)
	})

	// stores/user.js fetchUserInfo and the user centre.
	t.Run("GET /auth/me/", func(t *testing.T) {
		r := w.call(t, "GET", "/auth/me/", nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"id": "number", "username": "string", "email": "string", "date_joined": "string",
			"is_superuser": "bool", "is_staff": "bool", "profile.avatar_url": "string|null", "profile.bio": "string",
			"profile.tags": "string", "profile.visited_countries": "string", "profile.level": "string",
			"profile.birthday": "string|null", "profile.email_verified": "bool"})
		if prof, _ := r.Body["profile"].(map[string]any); prof["email_verified"] != true {
			t.Errorf("registered with a verification token, the address is not verified: %s", r.Raw)
		}
	})

	// api.js: on 401 one POST /auth/refresh/ without a body (the refresh
	// token is in the HttpOnly cookie), then the call again.
	for _, tc := range []struct {
		name        string
		contentType string
	}{{"no content type", ""}, {"an empty JSON body", "application/json"}} {
		t.Run("401, then POST /auth/refresh/ with the cookie and "+tc.name+", then the call again", func(t *testing.T) {
			clock.Advance(5*time.Minute + time.Second)
			if r := w.call(t, "GET", "/auth/me/", nil); r.Status != 401 {
				t.Fatalf("expired access: %d %s", r.Status, r.Raw)
			}
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/auth/refresh/", nil)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			r := w.Send(t, req)
			if r.Status != 200 {
				t.Fatalf("refresh: %d %s", r.Status, r.Raw)
			}
			apptest.CheckReads(t, r.Body, map[string]string{"access": "string"})
			w.access, _ = r.Body["access"].(string)
			if r := w.call(t, "GET", "/auth/me/", nil); r.Status != 200 {
				t.Errorf("again: %d %s", r.Status, r.Raw)
			}
		})
	}

	t.Run("POST /auth/login/ {username, password}", func(t *testing.T) {
		r := w.call(t, "POST", "/auth/login/", map[string]any{"username": name, "password": password})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"access": "string", "user.id": "number", "user.username": "string",
			"user.profile.avatar_url": "absent|string|null", "user.is_superuser": "absent|bool", "user.is_staff": "absent|bool"})
		if ck := w.Cookie("refresh_token"); ck == nil || !ck.HttpOnly {
			t.Errorf("refresh cookie: %+v", ck)
		}
		w.access, _ = r.Body["access"].(string)
		refresh, _ = r.Body["refresh"].(string)
	})
	t.Run("POST /token/refresh/ {refresh} (legacy)", func(t *testing.T) {
		r := w.call(t, "POST", "/token/refresh/", map[string]any{"refresh": refresh})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"access": "string"})
	})

	// user.js
	path := func(suffix string) string { return fmt.Sprintf("/users/%.0f/%s", id, suffix) }
	t.Run("GET /users/{id}/", func(t *testing.T) {
		r := w.call(t, "GET", path(""), nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"id": "number", "username": "string", "profile": "object"})
	})
	t.Run("PATCH /users/update_profile/ {bio, tags, visited_countries}", func(t *testing.T) {
		r := w.call(t, "PATCH", "/users/update_profile/", map[string]any{"bio": "旅行爱好者", "tags": "摄影,美食", "visited_countries": "中国,日本"})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		me := w.call(t, "GET", "/auth/me/", nil)
		prof, _ := me.Body["profile"].(map[string]any)
		if prof["bio"] != "旅行爱好者" || prof["tags"] != "摄影,美食" || prof["visited_countries"] != "中国,日本" {
			t.Errorf("me after the update: %s", me.Raw)
		}
	})
	t.Run("PATCH /users/update_profile/ {birthday}", func(t *testing.T) {
		if r := w.call(t, "PATCH", "/users/update_profile/", map[string]any{"birthday": "1990-01-01"}); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		me := w.call(t, "GET", "/auth/me/", nil)
		if prof, _ := me.Body["profile"].(map[string]any); prof["birthday"] != "1990-01-01" || prof["visited_countries"] != "中国,日本" {
			t.Errorf("me after the birthday: %s", me.Raw)
		}
	})
	t.Run("PATCH /users/update_profile/: visited_countries too long", func(t *testing.T) {
		r := w.call(t, "PATCH", "/users/update_profile/", map[string]any{"visited_countries": strings.Repeat("国", 201)})
		if r.Status != 400 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"visited_countries.0": "string"})
	})
	t.Run("PATCH /users/{id}/ {username}", func(t *testing.T) {
		renamed := name + "x"
		r := w.call(t, "PATCH", path(""), map[string]any{"username": renamed})
		if r.Status != 200 || r.Body["username"] != renamed {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		if r := w.call(t, "GET", "/auth/me/", nil); r.Body["username"] != renamed {
			t.Errorf("me after the rename: %s", r.Raw)
		}
		name = renamed
	})
	t.Run("POST /users/{id}/upload_avatar/ multipart avatar", func(t *testing.T) {
		if r := upload(t, s, "/api/v1"+path("upload_avatar/"), "Bearer "+w.access, "avatar", "me.png", tinyPNG); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		me := w.call(t, "GET", "/auth/me/", nil)
		apptest.CheckReads(t, me.Body, map[string]string{"profile.avatar_url": "string"})
	})
	profileReads := map[string]string{"username": "string", "profile.avatar_url": "string|null", "profile.level": "string",
		"date_joined": "string", "stats.comments_count": "number", "stats.trips_count": "number", "stats.public_trips_count": "number"}
	t.Run("GET /users/{id}/profile/ (UserProfilePopover), the user", func(t *testing.T) {
		r := w.call(t, "GET", path("profile/"), nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, profileReads)
		apptest.CheckReads(t, r.Body, map[string]string{"email": "string"})
	})
	t.Run("GET /users/{id}/profile/ (UserProfilePopover), someone else", func(t *testing.T) {
		other := &webClient{Client: apptest.NewClient(s), access: strings.TrimPrefix(s.NewUser(t).Bearer, "Bearer ")}
		r := other.call(t, "GET", path("profile/"), nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, profileReads)
		apptest.CheckReads(t, r.Body, map[string]string{"email": "absent"})
	})
	t.Run("GET /users/{id}/stats/", func(t *testing.T) {
		r := w.call(t, "GET", path("stats/"), nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"comments_count": "number", "trips_count": "number", "public_trips_count": "number"})
	})

	// EmailBindingEditor: a change_email code to the new address, then the
	// change with its token.
	t.Run("POST /users/change-email/ {new_email, verification_token}", func(t *testing.T) {
		newEmail := "new." + email
		if r := w.call(t, "POST", "/auth/send_verification_code/", map[string]any{"email": newEmail, "type": "change_email"}); r.Status != 200 {
			t.Fatalf("send: %d %s", r.Status, r.Raw)
		}
		v := w.call(t, "POST", "/auth/verify_code/", map[string]any{"email": newEmail, "code": mailedCode(t, smtp, newEmail, "更换邮箱"), "type": "change_email"})
		change, _ := v.Body["verification_token"].(string)
		if v.Status != 200 || change == "" {
			t.Fatalf("verify: %d %s", v.Status, v.Raw)
		}
		if r := w.call(t, "POST", "/users/change-email/", map[string]any{"new_email": newEmail, "verification_token": change}); r.Status != 200 {
			t.Fatalf("change: %d %s", r.Status, r.Raw)
		}
		me := w.call(t, "GET", "/auth/me/", nil)
		if prof, _ := me.Body["profile"].(map[string]any); me.Body["email"] != newEmail || prof["email_verified"] != true {
			t.Errorf("me after the change: %s", me.Raw)
		}
		again := w.call(t, "POST", "/users/change-email/", map[string]any{"new_email": email, "verification_token": change})
		if again.Status != 400 {
			t.Fatalf("the token again: %d %s", again.Status, again.Raw)
		}
		apptest.CheckReads(t, again.Body, map[string]string{"error": "string"})
		email = newEmail
	})

	// The refresh token is no longer in localStorage: logout sends null and
	// the cookie carries it.
	t.Run("POST /auth/logout/ {refresh: null}", func(t *testing.T) {
		if r := w.call(t, "POST", "/auth/logout/", map[string]any{"refresh": nil}); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		if w.Cookie("refresh_token") != nil {
			t.Error("the refresh cookie was not cleared")
		}
		if r := w.call(t, "POST", "/token/refresh/", map[string]any{"refresh": refresh}); r.Status != 401 {
			t.Errorf("the revoked refresh token: %d %s", r.Status, r.Raw)
		}
		w.access = ""
	})

	// ForgotPasswordView: a reset code, then the new password twice.
	t.Run("POST /auth/reset_password/ {email, verification_token, new_password, new_password2}", func(t *testing.T) {
		if r := w.call(t, "POST", "/auth/send_verification_code/", map[string]any{"email": email, "type": "reset_password"}); r.Status != 200 {
			t.Fatalf("send: %d %s", r.Status, r.Raw)
		}
		v := w.call(t, "POST", "/auth/verify_code/", map[string]any{"email": email, "code": mailedCode(t, smtp, email, "重置密码"), "type": "reset_password"})
		reset, _ := v.Body["verification_token"].(string)
		if v.Status != 200 || reset == "" {
			t.Fatalf("verify: %d %s", v.Status, v.Raw)
		}
		differ := w.call(t, "POST", "/auth/reset_password/", map[string]any{"email": email, "verification_token": reset,
			"new_password": "New-pw-12345", "new_password2": "New-pw-123456"})
		if differ.Status != 400 {
			t.Fatalf("passwords differ: %d %s", differ.Status, differ.Raw)
		}
		apptest.CheckReads(t, differ.Body, map[string]string{"new_password2.0": "string"})
		if r := w.call(t, "POST", "/auth/reset_password/", map[string]any{"email": email, "verification_token": reset,
			"new_password": "New-pw-12345", "new_password2": "New-pw-12345"}); r.Status != 200 {
			t.Fatalf("reset: %d %s", r.Status, r.Raw)
		}
		if r := w.call(t, "POST", "/auth/login/", map[string]any{"username": name, "password": "New-pw-12345"}); r.Status != 200 {
			t.Errorf("login with the new password: %d %s", r.Status, r.Raw)
		}
	})

	// QQCallbackView.
	var state string
	t.Run("GET /auth/qq_login_url/", func(t *testing.T) {
		r := w.call(t, "GET", "/auth/qq_login_url/", nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"authorize_url": "string", "state": "string"})
		state, _ = r.Body["state"].(string)
	})
	t.Run("POST /auth/qq_callback/ {code, state}", func(t *testing.T) {
		r := w.call(t, "POST", "/auth/qq_callback/", map[string]any{"code": qq.Code(qq.User("QQ旅行者")), "state": state})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"success": "bool", "access": "string", "refresh": "string", "user": "object",
			"user.email": "string", "email_optional": "bool"})
		w.access, _ = r.Body["access"].(string)
	})
	// A QQ account has no address: EmailBindingEditor binds one.
	t.Run("POST /users/bind_email/ {email, verification_token}", func(t *testing.T) {
		qqEmail := "qq." + email
		if r := w.call(t, "POST", "/auth/send_verification_code/", map[string]any{"email": qqEmail, "type": "bind_email"}); r.Status != 200 {
			t.Fatalf("send: %d %s", r.Status, r.Raw)
		}
		v := w.call(t, "POST", "/auth/verify_code/", map[string]any{"email": qqEmail, "code": mailedCode(t, smtp, qqEmail, "绑定邮箱"), "type": "bind_email"})
		bind, _ := v.Body["verification_token"].(string)
		if v.Status != 200 || bind == "" {
			t.Fatalf("verify: %d %s", v.Status, v.Raw)
		}
		if r := w.call(t, "POST", "/users/bind_email/", map[string]any{"email": qqEmail, "verification_token": bind}); r.Status != 200 {
			t.Fatalf("bind: %d %s", r.Status, r.Raw)
		}
		me := w.call(t, "GET", "/auth/me/", nil)
		if prof, _ := me.Body["profile"].(map[string]any); me.Body["email"] != qqEmail || prof["email_verified"] != true {
			t.Errorf("me after binding: %s", me.Raw)
		}
	})
	t.Run("POST /auth/qq_callback/ {code, state}: a used state", func(t *testing.T) {
		r := w.call(t, "POST", "/auth/qq_callback/", map[string]any{"code": qq.Code(qq.User("QQ旅行者")), "state": state})
		if r.Status != 400 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		apptest.CheckReads(t, r.Body, map[string]string{"error": "string"})
	})
}
