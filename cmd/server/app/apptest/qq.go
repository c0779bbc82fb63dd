package apptest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// FakeQQ is a stand-in for QQ Connect's OAuth2: single-use codes for the
// registered redirect URIs, an access token per code, the openid by token
// and user info by token, app and openid. Serve it with httptest and point
// QQ_API_URL at it.
type FakeQQ struct {
	appID, appKey string
	redirects     map[string]bool

	mu        sync.Mutex
	codes     map[string]string // code → openid
	names     map[string]string // openid → nickname
	used      map[string]bool
	tokens    map[string]string // access token → openid
	exchanged int
}

// NewFakeQQ is QQ Connect for the app appID (secret appKey) with the
// registered redirect URIs.
func NewFakeQQ(appID, appKey string, redirects ...string) *FakeQQ {
	f := &FakeQQ{appID: appID, appKey: appKey, redirects: map[string]bool{},
		codes: map[string]string{}, names: map[string]string{}, used: map[string]bool{}, tokens: map[string]string{}}
	for _, r := range redirects {
		f.redirects[r] = true
	}
	return f
}

// User registers a QQ account and returns its openid.
func (f *FakeQQ) User(nickname string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	oid := strings.ToUpper(RandomHex(16))
	f.names[oid] = nickname
	return oid
}

// Code issues a fresh authorization code for openid.
func (f *FakeQQ) Code(openid string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := "QQC" + RandomHex(12)
	f.codes[c] = openid
	return c
}

// Exchanges counts the codes exchanged for a token.
func (f *FakeQQ) Exchanges() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exchanged
}

// AvatarURL is the avatar (figureurl_qq_2) FakeQQ gives openid.
func AvatarURL(openid string) string { return "http://thirdqq.qlogo.cn/" + openid + "/100" }

func (f *FakeQQ) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json")
	fail := func(code int, msg string) {
		_ = json.NewEncoder(w).Encode(map[string]any{"error": code, "error_description": msg})
	}
	switch r.URL.Path {
	case "/oauth2.0/token":
		code := q.Get("code")
		openid, ok := f.codes[code]
		if q.Get("grant_type") != "authorization_code" || q.Get("client_id") != f.appID || q.Get("client_secret") != f.appKey ||
			!f.redirects[q.Get("redirect_uri")] || q.Get("fmt") != "json" {
			fail(100010, "bad request")
			return
		}
		if !ok || f.used[code] {
			fail(100019, "code to access token error")
			return
		}
		f.used[code] = true
		f.exchanged++
		tok := "AT" + RandomHex(16)
		f.tokens[tok] = openid
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": "7776000", "refresh_token": "RT" + RandomHex(8)})
	case "/oauth2.0/me":
		openid, ok := f.tokens[q.Get("access_token")]
		if !ok || q.Get("fmt") != "json" {
			fail(100016, "access token check failed")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"client_id": f.appID, "openid": openid})
	case "/user/get_user_info":
		openid, ok := f.tokens[q.Get("access_token")]
		if !ok || openid != q.Get("openid") || q.Get("oauth_consumer_key") != f.appID {
			_ = json.NewEncoder(w).Encode(map[string]any{"ret": 100016, "msg": "access token check failed"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ret": 0, "msg": "", "nickname": f.names[openid],
			"figureurl_qq_1": "http://thirdqq.qlogo.cn/" + openid + "/40", "figureurl_qq_2": AvatarURL(openid)})
	case "/oauth2.0/authorize":
		http.Error(w, "browser only", http.StatusBadRequest)
	default:
		http.NotFound(w, r)
	}
}
