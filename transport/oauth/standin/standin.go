// Package standin holds HTTP stand-ins of the OAuth providers the server
// logs users in with, QQ Connect and AcWing, for the tests and the load
// generator: each speaks the part of its provider's API that transport/oauth
// calls (the code exchange, the openid, the user's profile), with
// single-use codes that the caller mints for a user it registered (what
// the user's login at the provider would give the browser). Serve one with
// httptest or net/http and point the server's QQ_API_URL or
// ACWING_API_URL at it.
package standin

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// accounts are a provider's users, codes and tokens.
type accounts struct {
	mu        sync.Mutex
	codes     map[string]string // code → openid
	names     map[string]string // openid → nickname
	used      map[string]bool
	tokens    map[string]string // access token → openid
	exchanged int
}

func newAccounts() accounts {
	return accounts{codes: map[string]string{}, names: map[string]string{}, used: map[string]bool{}, tokens: map[string]string{}}
}

// User registers an account with nickname and returns its openid.
func (a *accounts) User(nickname string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	oid := strings.ToUpper(randomHex(16))
	a.names[oid] = nickname
	return oid
}

// Code issues a fresh single-use authorization code for openid.
func (a *accounts) Code(openid string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := "C" + randomHex(12)
	a.codes[c] = openid
	return c
}

// Exchanges counts the codes exchanged for a token.
func (a *accounts) Exchanges() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.exchanged
}

// exchange spends code and returns a new access token for its openid.
// The caller holds mu.
func (a *accounts) exchange(code, prefix string) (token, openid string, ok bool) {
	openid, ok = a.codes[code]
	if !ok || a.used[code] {
		return "", "", false
	}
	a.used[code] = true
	a.exchanged++
	token = prefix + randomHex(16)
	a.tokens[token] = openid
	return token, openid, true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// QQ is QQ Connect's OAuth2: codes for the registered redirect URIs, an
// access token per code, the openid by token and the user info by token,
// app and openid.
type QQ struct {
	accounts
	appID, appKey string
	redirects     map[string]bool
}

// NewQQ is QQ Connect for the app appID (secret appKey) with the registered
// redirect URIs.
func NewQQ(appID, appKey string, redirects ...string) *QQ {
	q := &QQ{accounts: newAccounts(), appID: appID, appKey: appKey, redirects: map[string]bool{}}
	for _, r := range redirects {
		q.redirects[r] = true
	}
	return q
}

// QQAvatarURL is the avatar (figureurl_qq_2) QQ gives openid.
func QQAvatarURL(openid string) string { return "http://thirdqq.qlogo.cn/" + openid + "/100" }

func (f *QQ) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	fail := func(code int, msg string) { writeJSON(w, map[string]any{"error": code, "error_description": msg}) }
	switch r.URL.Path {
	case "/oauth2.0/token":
		if q.Get("grant_type") != "authorization_code" || q.Get("client_id") != f.appID || q.Get("client_secret") != f.appKey ||
			!f.redirects[q.Get("redirect_uri")] || q.Get("fmt") != "json" {
			fail(100010, "bad request")
			return
		}
		tok, _, ok := f.exchange(q.Get("code"), "AT")
		if !ok {
			fail(100019, "code to access token error")
			return
		}
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": "7776000", "refresh_token": "RT" + randomHex(8)})
	case "/oauth2.0/me":
		openid, ok := f.tokens[q.Get("access_token")]
		if !ok || q.Get("fmt") != "json" {
			fail(100016, "access token check failed")
			return
		}
		writeJSON(w, map[string]any{"client_id": f.appID, "openid": openid})
	case "/user/get_user_info":
		openid, ok := f.tokens[q.Get("access_token")]
		if !ok || openid != q.Get("openid") || q.Get("oauth_consumer_key") != f.appID {
			writeJSON(w, map[string]any{"ret": 100016, "msg": "access token check failed"})
			return
		}
		writeJSON(w, map[string]any{"ret": 0, "msg": "", "nickname": f.names[openid],
			"figureurl_qq_1": "http://thirdqq.qlogo.cn/" + openid + "/40", "figureurl_qq_2": QQAvatarURL(openid)})
	case "/oauth2.0/authorize":
		http.Error(w, "browser only", http.StatusBadRequest)
	default:
		http.NotFound(w, r)
	}
}

// AcWing is AcWing's OAuth2 (AcApp) for the app appID: an access token per
// code, the user's name and photo by token and openid.
type AcWing struct {
	accounts
	appID, secret string
}

// NewAcWing is AcWing for the app appID with secret.
func NewAcWing(appID, secret string) *AcWing {
	return &AcWing{accounts: newAccounts(), appID: appID, secret: secret}
}

// AcWingPhotoURL is the photo AcWing gives openid.
func AcWingPhotoURL(openid string) string { return "https://cdn.acwing.com/" + openid + ".png" }

func (f *AcWing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	switch r.URL.Path {
	case "/third_party/api/oauth2/access_token/":
		if q.Get("appid") != f.appID || q.Get("secret") != f.secret {
			writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid appid or secret"})
			return
		}
		tok, openid, ok := f.exchange(q.Get("code"), "tok-")
		if !ok {
			writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "code expired"})
			return
		}
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": 7200, "openid": openid, "scope": "userinfo"})
	case "/third_party/api/meta/identity/getinfo/":
		openid, ok := f.tokens[q.Get("access_token")]
		if !ok || openid != q.Get("openid") {
			writeJSON(w, map[string]any{"errcode": 40004, "errmsg": "bad token"})
			return
		}
		writeJSON(w, map[string]any{"username": f.names[openid], "photo": AcWingPhotoURL(openid)})
	default:
		http.NotFound(w, r)
	}
}
