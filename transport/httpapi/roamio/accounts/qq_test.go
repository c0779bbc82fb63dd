package accounts_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	accountshttp "github.com/fiveapis/backend/transport/httpapi/roamio/accounts"
	"github.com/fiveapis/backend/transport/pgtest"
)

const (
	qqAppID    = "qq-app"
	qqAppKey   = "qq-key"
	qqRedirect = "https://roamio.example/qq/callback"
)

// startQQ starts a server wired to the stand-in QQ server.
func startQQ(t *testing.T, providerURL string, clock *apptest.FakeClock, more ...apptest.Option) *apptest.Server {
	opts := append([]apptest.Option{apptest.WithClock(clock), apptest.WithConfig(func(c *app.Config) {
		c.OAuth.QQAppID, c.OAuth.QQAppKey, c.OAuth.QQAPIURL, c.OAuth.QQRedirectURI = qqAppID, qqAppKey, providerURL, qqRedirect
	})}, more...)
	return apptest.Start(t, opts...)
}

// qqState asks for a login URL and returns its state.
func qqState(t *testing.T, c *apptest.Client) string {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/auth/qq_login_url/", "", nil)
	state, _ := r.Body["state"].(string)
	if r.Status != 200 || state == "" {
		t.Fatalf("qq_login_url: %d %s", r.Status, r.Raw)
	}
	return state
}

func TestRoamioQQLoginRoundTripAndState(t *testing.T) {
	t.Parallel()
	qq := apptest.NewFakeQQ(qqAppID, qqAppKey, qqRedirect)
	provider := httptest.NewServer(qq)
	t.Cleanup(provider.Close)
	clock := apptest.NewFakeClock()
	// Two server processes over one database: a state issued by one is
	// accepted by the other, once.
	db := pgtest.NewDatabase(t)
	sep := "?"
	if strings.Contains(db, "?") {
		sep = "&"
	}
	onDB := apptest.WithConfig(func(c *app.Config) { c.Database.URL = db + sep + "pool_max_conns=8" })
	sharedLog := apptest.SharedLog(t)
	a, b := startQQ(t, provider.URL, clock, onDB, sharedLog), startQQ(t, provider.URL, clock, onDB, sharedLog)
	ca, cb := apptest.NewClient(a), apptest.NewClient(b)

	r := ca.Do(t, "GET", "/api/v1/auth/qq_login_url/", "", nil)
	state, _ := r.Body["state"].(string)
	au, err := url.Parse(r.Body["authorize_url"].(string))
	if r.Status != 200 || state == "" || err != nil {
		t.Fatalf("qq_login_url: %d %s", r.Status, r.Raw)
	}
	want := provider.URL + "/oauth2.0/authorize"
	if got := au.Scheme + "://" + au.Host + au.Path; got != want {
		t.Errorf("authorize URL %s, want %s", got, want)
	}
	aq := au.Query()
	if aq.Get("response_type") != "code" || aq.Get("client_id") != qqAppID || aq.Get("redirect_uri") != qqRedirect || aq.Get("state") != state {
		t.Errorf("authorize URL query: %s", au.RawQuery)
	}
	// The state is bound to this browser by an HttpOnly, SameSite=Lax
	// cookie; only its digest is stored.
	var bound *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == accountshttp.BrowserCookie {
			bound = ck
		}
	}
	if bound == nil || !bound.HttpOnly || bound.SameSite != http.SameSiteLaxMode || bound.Path != "/api/v1/auth/" || bound.MaxAge != 600 {
		t.Fatalf("browser cookie: %+v", bound)
	}
	if other := qqState(t, ca); other == state {
		t.Error("two login URLs share a state")
	}
	if ck := ca.Cookie(accountshttp.BrowserCookie); ck == nil || ck.Value != bound.Value {
		t.Error("a second login URL replaced the browser cookie: the first tab's state would fail")
	}

	nick := "QQ用户" + apptest.RandomHex(2)
	oid := qq.User(nick)
	in := ca.Via(b).Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": qq.Code(oid), "state": state})
	user, _ := in.Body["user"].(map[string]any)
	if in.Status != 200 || in.Body["success"] != true || in.Body["access"] == nil || in.Body["refresh"] == nil ||
		user["username"] != nick || user["email"] != "" || in.Body["message"] != "QQ登录成功" || in.Body["email_optional"] != true {
		t.Fatalf("qq_callback: %d %s", in.Status, in.Raw)
	}
	bearer := "Bearer " + in.Body["access"].(string)
	me := ca.Do(t, "GET", "/api/v1/auth/me/", bearer, nil)
	socials, _ := me.Body["social_accounts"].([]any)
	if me.Status != 200 || len(socials) != 1 {
		t.Fatalf("me after QQ login: %d %s", me.Status, me.Raw)
	}
	if s := socials[0].(map[string]any); s["provider"] != "qq" || s["nickname"] != nick || s["avatar_url"] != "http://thirdqq.qlogo.cn/"+oid+"/100" {
		t.Errorf("social account: %v", s)
	}

	// QQ is this account's only way to log in.
	if r := ca.Do(t, "DELETE", "/api/v1/auth/qq_unbind/", bearer, nil); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("unbind the only login method: %d %s", r.Status, r.Raw)
	}

	// A replayed state is refused before the code reaches QQ.
	before := qq.Exchanges()
	code := qq.Code(oid)
	if r := ca.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": code, "state": state}); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("replayed state: %d %s", r.Status, r.Raw)
	}
	if r := ca.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": code, "state": "forged-" + apptest.RandomHex(8)}); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("unknown state: %d %s", r.Status, r.Raw)
	}
	for name, body := range map[string]map[string]any{"missing state": {"code": code}, "empty state": {"code": code, "state": ""}} {
		t.Run("refused: "+name, func(t *testing.T) {
			if r := ca.Do(t, "POST", "/api/v1/auth/qq_callback/", "", body); r.Status != 400 || r.Body["state"] == nil {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		})
	}
	if r := ca.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"state": qqState(t, ca)}); r.Status != 400 || r.Body["code"] == nil {
		t.Errorf("missing code: %d %s", r.Status, r.Raw)
	}
	// Login CSRF: a state presented by another browser (no cookie, or the
	// cookie of another login) is refused, and burnt.
	victim := apptest.NewClient(a)
	qqState(t, victim)
	for name, cl := range map[string]*apptest.Client{"no cookie": apptest.NewClient(b), "another browser's cookie": victim} {
		st := qqState(t, ca)
		r := cl.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": code, "state": st})
		if msg, _ := r.Body["error"].(string); r.Status != 400 || r.Body["success"] != false || !strings.Contains(msg, "浏览器") {
			t.Errorf("%s: %d %s", name, r.Status, r.Raw)
		}
		if r := ca.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": code, "state": st}); r.Status != 400 {
			t.Errorf("%s: the refused state was still usable: %d %s", name, r.Status, r.Raw)
		}
	}
	if n := qq.Exchanges(); n != before {
		t.Errorf("refused states still exchanged %d codes", n-before)
	}

	// The unused code logs the same user in with a fresh state.
	again := cb.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": code, "state": qqState(t, cb)})
	if again.Status != 200 || again.Body["user"].(map[string]any)["id"] != user["id"] {
		t.Errorf("second QQ login: %d %s", again.Status, again.Raw)
	}

	// One state raced through both processes at once: exactly one wins.
	raced := qqState(t, ca)
	statuses := make([]int, 4)
	var wg sync.WaitGroup
	for i := range statuses {
		cl := []*apptest.Client{ca.Via(a), ca.Via(b)}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = cl.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": qq.Code(oid), "state": raced}).Status
		}()
	}
	wg.Wait()
	if ok := countStatus(statuses, 200); ok != 1 || countStatus(statuses, 400) != len(statuses)-1 {
		t.Errorf("concurrent use of one state: %v", statuses)
	}

	// An expired state is refused, and stays unusable.
	old := qqState(t, ca)
	clock.Advance(10*time.Minute + time.Second)
	r = ca.Via(b).Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": qq.Code(oid), "state": old})
	if msg, _ := r.Body["error"].(string); r.Status != 400 || !strings.Contains(msg, "过期") {
		t.Errorf("expired state: %d %s", r.Status, r.Raw)
	}
	if r := ca.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": qq.Code(oid), "state": old}); r.Status != 400 {
		t.Errorf("expired state, again: %d %s", r.Status, r.Raw)
	}
	// A state just within its 10 minutes is accepted.
	fresh := qqState(t, ca)
	clock.Advance(9 * time.Minute)
	if r := ca.Via(b).Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": qq.Code(oid), "state": fresh}); r.Status != 200 {
		t.Errorf("state within 10 minutes: %d %s", r.Status, r.Raw)
	}

	// Codes QQ refuses (forged, replayed) are the API's 400, never 500.
	used := qq.Code(oid)
	if r := ca.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": used, "state": qqState(t, ca)}); r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Raw)
	}
	for name, c := range map[string]string{"forged code": "nope", "replayed code": used, "sql code": "' OR 1=1 --", "long code": strings.Repeat("x", 300)} {
		t.Run("refused: "+name, func(t *testing.T) {
			if r := ca.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": c, "state": qqState(t, ca)}); r.Status != 400 || r.Body["error"] == nil {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		})
	}

	// Ralendar's QQ login reaches the same account. Its client (the
	// AcWingOS app) holds its own state and sends no cookie: no binding.
	rl := apptest.NewClient(a).Do(t, "POST", "/api/auth/qq/login/", "", map[string]any{"code": qq.Code(oid), "state": "any"})
	ru, _ := rl.Body["user"].(map[string]any)
	if rl.Status != 200 || rl.Body["access"] == nil || rl.Body["refresh"] == nil || ru["id"] != user["id"] || ru["photo"] != "http://thirdqq.qlogo.cn/"+oid+"/100" {
		t.Errorf("ralendar QQ login: %d %s", rl.Status, rl.Raw)
	}
	rb := ca.Do(t, "GET", "/api/user/bindings/", "Bearer "+rl.Body["access"].(string), nil)
	if rb.Body["has_qq"] != true || rb.Body["qq_nickname"] != nick || rb.Body["has_password"] != false {
		t.Errorf("ralendar bindings: %s", rb.Raw)
	}
	for name, body := range map[string]map[string]any{"forged code": {"code": "nope"}, "no code": {}} {
		t.Run("ralendar refused: "+name, func(t *testing.T) {
			if r := ca.Do(t, "POST", "/api/auth/qq/login/", "", body); r.Status != 400 {
				t.Errorf("ralendar %s: %d %s", name, r.Status, r.Raw)
			}
		})
	}
	// A new QQ user through Ralendar gets a new account.
	if r := ca.Do(t, "POST", "/api/auth/qq/login/", "", map[string]any{"code": qq.Code(qq.User("<b>x</b>"))}); r.Status != 200 || r.Body["user"].(map[string]any)["username"] != "bxb" {
		t.Errorf("ralendar new QQ user: %d %s", r.Status, r.Raw)
	}
}

func TestRoamioQQBindAndUnbind(t *testing.T) {
	t.Parallel()
	qq := apptest.NewFakeQQ(qqAppID, qqAppKey, qqRedirect)
	provider := httptest.NewServer(qq)
	t.Cleanup(provider.Close)
	s := startQQ(t, provider.URL, apptest.NewFakeClock())
	c := apptest.NewClient(s)
	ann, bob := s.NewUser(t), s.NewUser(t)
	nick := "qq_" + apptest.RandomHex(3)
	oid := qq.User(nick)
	bind := func(auth, code string) apptest.Reply {
		return c.Do(t, "POST", "/api/v1/auth/qq_bind_existing/", auth, map[string]any{"code": code, "state": qqState(t, c)})
	}

	if r := bind("", qq.Code(oid)); r.Status != 401 {
		t.Errorf("bind without login: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "DELETE", "/api/v1/auth/qq_unbind/", "", nil); r.Status != 401 {
		t.Errorf("unbind without login: %d %s", r.Status, r.Raw)
	}
	if r := bind(ann.Bearer, "forged"); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("bind with a forged code: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/v1/auth/qq_bind_existing/", ann.Bearer, map[string]any{"code": qq.Code(oid), "state": "nope"}); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("bind with an unknown state: %d %s", r.Status, r.Raw)
	}
	if r := bind(ann.Bearer, qq.Code(oid)); r.Status != 200 || r.Body["success"] != true || r.Body["message"] != "QQ绑定成功" {
		t.Fatalf("bind: %d %s", r.Status, r.Raw)
	}
	me := c.Do(t, "GET", "/api/v1/auth/me/", ann.Bearer, nil)
	if socials, _ := me.Body["social_accounts"].([]any); len(socials) != 1 || socials[0].(map[string]any)["nickname"] != nick {
		t.Errorf("me after bind: %s", me.Raw)
	}
	if r := bind(ann.Bearer, qq.Code(oid)); r.Status != 200 {
		t.Errorf("binding the same QQ again: %d %s", r.Status, r.Raw)
	}
	// Ann's QQ now logs Ann in.
	in := c.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": qq.Code(oid), "state": qqState(t, c)})
	if in.Status != 200 || in.Body["user"].(map[string]any)["id"] != ann.ID {
		t.Errorf("QQ login after bind: %d %s", in.Status, in.Raw)
	}
	if r := bind(bob.Bearer, qq.Code(oid)); r.Status != 400 || r.Body["error"] != "该QQ已绑定其他账号" {
		t.Errorf("bind another user's QQ: %d %s", r.Status, r.Raw)
	}
	if r := bind(ann.Bearer, qq.Code(qq.User("other"))); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("bind a second QQ: %d %s", r.Status, r.Raw)
	}

	// Ann has a password, so QQ can go; then the QQ account is free.
	if r := c.Do(t, "DELETE", "/api/v1/auth/qq_unbind/", ann.Bearer, nil); r.Status != 200 || r.Body["success"] != true || r.Body["message"] != "QQ解绑成功" {
		t.Fatalf("unbind: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "DELETE", "/api/v1/auth/qq_unbind/", ann.Bearer, nil); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("unbind twice: %d %s", r.Status, r.Raw)
	}
	if socials, _ := c.Do(t, "GET", "/api/v1/auth/me/", ann.Bearer, nil).Body["social_accounts"].([]any); len(socials) != 0 {
		t.Errorf("social accounts after unbind: %v", socials)
	}
	if r := bind(bob.Bearer, qq.Code(oid)); r.Status != 200 {
		t.Fatalf("bind the released QQ: %d %s", r.Status, r.Raw)
	}
	in = c.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": qq.Code(oid), "state": qqState(t, c)})
	if in.Status != 200 || in.Body["user"].(map[string]any)["id"] != bob.ID {
		t.Errorf("QQ login after rebinding: %d %s", in.Status, in.Raw)
	}
}

func TestQQRoutesNeedConfiguration(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	c := apptest.NewClient(s)
	if r := c.Do(t, "GET", "/api/v1/auth/qq_login_url/", "", nil); r.Status != 404 {
		t.Errorf("qq_login_url without QQ_APP_ID: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/auth/qq/login/", "", map[string]any{"code": "x"}); r.Status != 404 && r.Status != 405 {
		t.Errorf("ralendar QQ login without QQ_APP_ID: %d %s", r.Status, r.Raw)
	}
}

func TestQQProviderDownIsNot500(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	s := startQQ(t, down.URL, apptest.NewFakeClock())
	c := apptest.NewClient(s)
	if r := c.Do(t, "POST", "/api/v1/auth/qq_callback/", "", map[string]any{"code": "abc", "state": qqState(t, c)}); r.Status != 502 || r.Body["error"] == nil {
		t.Errorf("provider down: %d %s", r.Status, r.Raw)
	}
}

func countStatus(statuses []int, want int) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}

// TestRoamioQQRoutesWithoutQQ: a server without QQ Connect (no QQ_APP_ID)
// serves the QQ routes of its OpenAPI document and answers each 404 in
// Roamio's words (not the edge's unrouted 404, and never a 5xx).
func TestRoamioQQRoutesWithoutQQ(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	for _, call := range []struct{ method, path string }{
		{"GET", "/api/v1/auth/qq_login_url/"},
		{"POST", "/api/v1/auth/qq_callback/"},
		{"POST", "/api/v1/auth/qq_bind_existing/"},
		{"DELETE", "/api/v1/auth/qq_unbind/"},
	} {
		r := s.Do(t, call.method, call.path, "", map[string]any{"code": "c", "state": "s"})
		if b := r.Map(t); r.Status != 404 || b["success"] != false || b["error"] != "QQ登录未配置" {
			t.Errorf("%s %s: %d %v", call.method, call.path, r.Status, b)
		}
	}
}
