package apptest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
)

// WeChat is a stand-in for WeChat's jscode2session: codes are single use,
// unknown ones are errcode 40029, a used one 40163, a wrong app secret
// 40125.
type WeChat struct {
	mu    sync.Mutex
	codes map[string]string // code → openid
	used  map[string]bool
}

// WithWeChat starts a WeChat stand-in that knows codes (code → openid) and
// returns it with the option that points the server's WeChat login at it.
func WithWeChat(t testing.TB, codes map[string]string) (*WeChat, Option) {
	w := &WeChat{codes: map[string]string{}, used: map[string]bool{}}
	for c, o := range codes {
		w.codes[c] = o
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return w, WithConfig(func(c *app.Config) {
		c.OAuth.WeChatAppID, c.OAuth.WeChatAppSecret, c.OAuth.WeChatAPIURL = "wx-test-app", "wx-test-secret", srv.URL
	})
}

// Code makes a new login code of the WeChat user openid, as wx.login does.
func (w *WeChat) Code(openid string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	code := "c-" + RandomHex(8)
	w.codes[code] = openid
	return code
}

func (w *WeChat) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rw.Header().Set("Content-Type", "application/json")
	if r.URL.Path != "/sns/jscode2session" || q.Get("grant_type") != "authorization_code" {
		http.NotFound(rw, r)
		return
	}
	if q.Get("appid") != "wx-test-app" || q.Get("secret") != "wx-test-secret" {
		_ = json.NewEncoder(rw).Encode(map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	code := q.Get("js_code")
	openid, ok := w.codes[code]
	switch {
	case !ok:
		_ = json.NewEncoder(rw).Encode(map[string]any{"errcode": 40029, "errmsg": "invalid code"})
	case w.used[code]:
		_ = json.NewEncoder(rw).Encode(map[string]any{"errcode": 40163, "errmsg": "code been used"})
	default:
		w.used[code] = true
		_ = json.NewEncoder(rw).Encode(map[string]any{"openid": openid, "session_key": "sk-" + code})
	}
}
