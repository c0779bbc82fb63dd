package travel_test

import (
	"net/http"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// Passwords sent as md5 hex (commands/identity/password_form.go): an
// account set up through the app keeps one password for every API, and
// its digest is a password only to 004.
func TestTravelMD5PasswordsAcrossAPIs(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	app := newAndroidApp(t, s)
	uname := "md5_" + apptest.RandomHex(4)
	const typed = "same-everywhere-1"
	app.appCaptcha("1234")
	want(t, app.post("/user/register", map[string]string{"uname": uname, "password": md5Hex(typed), "phone": "",
		"email": uname + "@example.com", "captcha": "1234"}), 200, "注册成功")

	roamioLogin := func(username, password string) apptest.Reply {
		return apptest.NewClient(s).Do(t, http.MethodPost, "/api/v1/auth/login/", "", map[string]string{"username": username, "password": password})
	}
	hhuToken := func(username, password string) apptest.Reply {
		return apptest.NewClient(s).Do(t, http.MethodPost, "/auth/get-token/", "", map[string]string{"username": username, "password": password})
	}

	t.Run("the app logs in with the digest", func(t *testing.T) {
		app.t = t
		app.appCaptcha("4321")
		want(t, app.post("/user/login", map[string]string{"user": uname, "password": md5Hex(typed), "captcha": "4321"}), 200, "登录成功")
	})
	t.Run("Roamio logs in with the password itself", func(t *testing.T) {
		if r := roamioLogin(uname, typed); r.Status != http.StatusOK || r.Body["access"] == nil {
			t.Errorf("Roamio login: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("HHU gives a token for the password itself", func(t *testing.T) {
		if r := hhuToken(uname, typed); r.Status != http.StatusOK || r.Body["token"] == nil {
			t.Errorf("HHU get-token: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("Roamio does not take the digest as the password", func(t *testing.T) {
		if r := roamioLogin(uname, md5Hex(typed)); r.Status == http.StatusOK || r.Body["access"] != nil {
			t.Errorf("Roamio login with the digest: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("HHU does not take the digest as the password", func(t *testing.T) {
		if r := hhuToken(uname, md5Hex(typed)); r.Status == http.StatusOK || r.Body["token"] != nil {
			t.Errorf("HHU get-token with the digest: %d %s", r.Status, r.Raw)
		}
	})

	web := s.NewUser(t) // registered on Roamio: the plain scheme
	t.Run("an account of another API is not reached through the app with its digest", func(t *testing.T) {
		app.t = t
		app.appCaptcha("4321")
		want(t, app.post("/user/login", map[string]string{"user": web.Username, "password": md5Hex(web.Password), "captcha": "4321"}), 403, "密码错误")
	})
	t.Run("an account of another API logs in through 004 with its password itself (the seed's clients)", func(t *testing.T) {
		app.t = t
		app.appCaptcha("4321")
		want(t, app.post("/user/login", map[string]string{"user": web.Username, "password": web.Password, "captcha": "4321"}), 200, "登录成功")
	})
	t.Run("a password set through 004 brings an account of another API to the app", func(t *testing.T) {
		app.t = t
		want(t, app.post("/user/password", map[string]string{"old_password": web.Password, "new_password": md5Hex("now-in-the-app-1")}), 200, "成功地修改了密码")
		app.appCaptcha("4321")
		want(t, app.post("/user/login", map[string]string{"user": web.Username, "password": md5Hex("now-in-the-app-1"), "captcha": "4321"}), 200, "登录成功")
		if r := roamioLogin(web.Username, "now-in-the-app-1"); r.Status != http.StatusOK {
			t.Errorf("Roamio login after the change: %d %s", r.Status, r.Raw)
		}
	})
}
