package accounthttp_test

import (
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

func TestHHUWeChatBindLoginLogout(t *testing.T) {
	t.Parallel()
	_, wx := apptest.WithWeChat(t, map[string]string{
		"c-unbound": "o-ann", "c-bind": "o-ann", "c-login": "o-ann", "c-steal": "o-ann", "c-bob": "o-bob",
	})
	s := apptest.Start(t, wx)
	ann, bob := s.NewUser(t), s.NewUser(t)
	tokenOf := func(t *testing.T, u apptest.User) string {
		r := s.Do(t, "POST", "/auth/get-token/", "", map[string]any{"username": u.Username, "password": u.Password})
		if r.Status != 200 {
			t.Fatalf("get-token: %d %s", r.Status, r.Body)
		}
		return "Token " + r.Map(t)["token"].(string)
	}
	annTok := tokenOf(t, ann)
	var wxTok string // the token of the WeChat login

	t.Run("an unbound WeChat cannot log in", func(t *testing.T) {
		if r := s.Do(t, "POST", "/auth/wechat-code2token/", "", map[string]any{"code": "c-unbound"}); r.Status != 400 || r.Map(t)["non_field_errors"] == nil {
			t.Errorf("unbound WeChat: %d %s", r.Status, r.Body)
		}
	})
	t.Run("binding needs a login", func(t *testing.T) {
		if r := s.Do(t, "PUT", "/auth/wechat-auth/", "", map[string]any{"code": "c-bind"}); r.Status != 401 {
			t.Errorf("bind without login: %d %s", r.Status, r.Body)
		}
	})
	t.Run("an account from another API is not HHU staff before it binds WeChat", func(t *testing.T) {
		if r := s.Do(t, "GET", "/contacts/", annTok, nil); r.Status != 403 {
			t.Fatalf("contacts before binding: %d %s", r.Status, r.Body)
		}
	})
	t.Run("a user binds their WeChat", func(t *testing.T) {
		b := s.Do(t, "PUT", "/auth/wechat-auth/", annTok, map[string]any{"code": "c-bind"})
		if b.Status != 200 || b.Map(t)["wechat_bound"] != true || b.Map(t)["username"] != ann.Username {
			t.Fatalf("bind: %d %s", b.Status, b.Body)
		}
	})
	t.Run("an account bound through WeChat is HHU staff", func(t *testing.T) {
		if r := s.Do(t, "GET", "/contacts/", annTok, nil); r.Status != 200 {
			t.Fatalf("contacts after binding: %d %s", r.Status, r.Body)
		}
	})
	t.Run("the bound WeChat logs in", func(t *testing.T) {
		l := s.Do(t, "POST", "/auth/wechat-code2token/", "", map[string]any{"code": "c-login"})
		if l.Status != 200 || len(l.Map(t)["token"].(string)) != 40 {
			t.Fatalf("code2token: %d %s", l.Status, l.Body)
		}
		wxTok = "Token " + l.Map(t)["token"].(string)
		if r := s.Do(t, "GET", "/current-user/", wxTok, nil); r.Status != 200 || r.Map(t)["username"] != ann.Username {
			t.Errorf("current-user with the WeChat token: %d %s", r.Status, r.Body)
		}
	})
	t.Run("bad codes are 400 naming code", func(t *testing.T) {
		for name, code := range map[string]string{"replayed code": "c-login", "forged code": "not-a-code", "sql in code": "' OR 1=1 --"} {
			if r := s.Do(t, "POST", "/auth/wechat-code2token/", "", map[string]any{"code": code}); r.Status != 400 || r.Map(t)["code"] == nil {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		if r := s.Do(t, "POST", "/auth/wechat-code2token/", "", map[string]any{}); r.Status != 400 || r.Map(t)["code"] == nil {
			t.Errorf("no code: %d %s", r.Status, r.Body)
		}
	})
	t.Run("nobody takes another's WeChat", func(t *testing.T) {
		// Bob cannot take Ann's WeChat.
		if r := s.Do(t, "PUT", "/auth/wechat-auth/", tokenOf(t, bob), map[string]any{"code": "c-steal"}); r.Status != 400 || r.Map(t)["code"] == nil {
			t.Errorf("bind another's WeChat: %d %s", r.Status, r.Body)
		}
	})
	t.Run("logout revokes the token", func(t *testing.T) {
		// Logout revokes the token.
		if r := s.Do(t, "DELETE", "/auth/wechat-auth/", wxTok, nil); r.Status != 204 {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", "/current-user/", wxTok, nil); r.Status != 401 {
			t.Errorf("token after logout: %d %s", r.Status, r.Body)
		}
	})
}
