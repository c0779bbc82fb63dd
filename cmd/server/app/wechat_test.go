package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// fakeWeChat is a stand-in for WeChat's jscode2session: codes are single
// use, unknown ones are errcode 40029, a wrong app secret 40125.
type fakeWeChat struct {
	mu    sync.Mutex
	codes map[string]string // code → openid
	used  map[string]bool
}

func (f *fakeWeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path != "/sns/jscode2session" || q.Get("grant_type") != "authorization_code" {
		http.NotFound(w, r)
		return
	}
	if q.Get("appid") != "wx-test-app" || q.Get("secret") != "wx-test-secret" {
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code := q.Get("js_code")
	openid, ok := f.codes[code]
	switch {
	case !ok:
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": 40029, "errmsg": "invalid code"})
	case f.used[code]:
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": 40163, "errmsg": "code been used"})
	default:
		f.used[code] = true
		_ = json.NewEncoder(w).Encode(map[string]any{"openid": openid, "session_key": "sk-" + code})
	}
}

func TestHHUWeChatBindLoginLogout(t *testing.T) {
	t.Parallel()
	wx := &fakeWeChat{used: map[string]bool{}, codes: map[string]string{
		"c-unbound": "o-ann", "c-bind": "o-ann", "c-login": "o-ann", "c-steal": "o-ann", "c-bob": "o-bob",
	}}
	provider := httptest.NewServer(wx)
	t.Cleanup(provider.Close)
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.OAuth.WeChatAppID, c.OAuth.WeChatAppSecret, c.OAuth.WeChatAPIURL = "wx-test-app", "wx-test-secret", provider.URL
	}))
	c := newClient(s)
	ann, bob := s.NewUser(t), s.NewUser(t)
	tokenOf := func(u apptest.User) string {
		r := c.do(t, "POST", "/auth/get-token/", "", map[string]any{"username": u.Username, "password": u.Password})
		if r.status != 200 {
			t.Fatalf("get-token: %d %s", r.status, r.raw)
		}
		return "Token " + r.body["token"].(string)
	}
	annTok := tokenOf(ann)

	if r := c.do(t, "POST", "/auth/wechat-code2token/", "", map[string]any{"code": "c-unbound"}); r.status != 400 || r.body["non_field_errors"] == nil {
		t.Errorf("unbound WeChat: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "PUT", "/auth/wechat-auth/", "", map[string]any{"code": "c-bind"}); r.status != 401 {
		t.Errorf("bind without login: %d %s", r.status, r.raw)
	}
	b := c.do(t, "PUT", "/auth/wechat-auth/", annTok, map[string]any{"code": "c-bind"})
	if b.status != 200 || b.body["wechat_bound"] != true || b.body["username"] != ann.Username {
		t.Fatalf("bind: %d %s", b.status, b.raw)
	}
	l := c.do(t, "POST", "/auth/wechat-code2token/", "", map[string]any{"code": "c-login"})
	if l.status != 200 || len(l.body["token"].(string)) != 40 {
		t.Fatalf("code2token: %d %s", l.status, l.raw)
	}
	wxTok := "Token " + l.body["token"].(string)
	if r := c.do(t, "GET", "/current-user/", wxTok, nil); r.status != 200 || r.body["username"] != ann.Username {
		t.Errorf("current-user with the WeChat token: %d %s", r.status, r.raw)
	}
	for name, code := range map[string]string{"replayed code": "c-login", "forged code": "not-a-code", "sql in code": "' OR 1=1 --"} {
		if r := c.do(t, "POST", "/auth/wechat-code2token/", "", map[string]any{"code": code}); r.status != 400 || r.body["code"] == nil {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if r := c.do(t, "POST", "/auth/wechat-code2token/", "", map[string]any{}); r.status != 400 || r.body["code"] == nil {
		t.Errorf("no code: %d %s", r.status, r.raw)
	}
	// Bob cannot take Ann's WeChat.
	if r := c.do(t, "PUT", "/auth/wechat-auth/", tokenOf(bob), map[string]any{"code": "c-steal"}); r.status != 400 || r.body["code"] == nil {
		t.Errorf("bind another's WeChat: %d %s", r.status, r.raw)
	}
	// Logout revokes the token.
	if r := c.do(t, "DELETE", "/auth/wechat-auth/", wxTok, nil); r.status != 204 {
		t.Fatalf("logout: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "GET", "/current-user/", wxTok, nil); r.status != 401 {
		t.Errorf("token after logout: %d %s", r.status, r.raw)
	}
}
