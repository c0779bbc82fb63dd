package ralendarlinkhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/ralendarlink"
)

const (
	clientID     = "roamio-a"
	clientSecret = "client-secret-0123456789"
	redirectURI  = "https://roamio.example/auth/ralendar/callback"
)

// Proxy modes: the other deployment reachable, down (the connection is
// dropped), or hanging (no answer until the caller gives up).
const (
	modeUp int32 = iota
	modeDown
	modeHang
)

// gateway stands in front of the other deployment (B): a real HTTP hop the
// test can take down, and a count of what reached it.
type gateway struct {
	*httptest.Server
	mode     atomic.Int32
	mu       sync.Mutex
	requests []string // "METHOD path [grant_type]"
	hung     chan struct{}
}

func newGateway(t *testing.T, target string) *gateway {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	g := &gateway{hung: make(chan struct{})}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var form struct {
			GrantType string `json:"grant_type"`
		}
		_ = json.Unmarshal(body, &form)
		g.mu.Lock()
		g.requests = append(g.requests, strings.TrimSpace(r.Method+" "+r.URL.Path+" "+form.GrantType))
		g.mu.Unlock()
		switch g.mode.Load() {
		case modeDown:
			if hj, ok := w.(http.Hijacker); ok {
				conn, _, _ := hj.Hijack()
				conn.Close()
			}
			return
		case modeHang:
			select {
			case <-r.Context().Done():
			case <-g.hung:
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(g.hung); g.Close() })
	return g
}

// count counts the requests seen that start with prefix.
func (g *gateway) count(prefix string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, r := range g.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// remoteEvents lists a user's events in B linked to slug.
func remoteEvents(t *testing.T, b *apptest.Server, bearer, slug string) map[string]int64 {
	t.Helper()
	var page struct {
		Results []struct {
			ID              int64
			Title           string
			RelatedTripSlug string `json:"related_trip_slug"`
		}
	}
	b.Do(t, "GET", "/api/events/?page_size=100", bearer, nil).Want(t, "B's events", http.StatusOK).JSON(t, &page)
	out := map[string]int64{}
	for _, e := range page.Results {
		if e.RelatedTripSlug == slug {
			out[e.Title] = e.ID
		}
	}
	return out
}

// TestBindRalendarOfAnotherDeployment runs two deployments of this server:
// A (Roamio, RALENDAR_OAUTH_REQUIRED) binds an account of B's Ralendar
// through B's OAuth provider, reached through a gateway the test takes
// down. Both run on one fake clock, so access and refresh tokens expire
// when the test says.
func TestBindRalendarOfAnotherDeployment(t *testing.T) {
	t.Parallel()
	clock := apptest.NewFakeClock()
	b := apptest.Start(t, apptest.WithClock(clock), apptest.WithConfig(func(c *app.Config) {
		c.RalendarOAuth.ServerClients = []string{clientID + ":" + clientSecret + ":" + redirectURI}
	}))
	gw := newGateway(t, b.URL)
	a := apptest.Start(t, apptest.WithClock(clock), apptest.WithConfig(func(c *app.Config) {
		c.RalendarOAuth = app.RalendarOAuthConfig{BaseURL: gw.URL + "/api", ClientID: clientID, ClientSecret: clientSecret,
			RedirectURI: redirectURI, Timeout: 2 * time.Second, BreakerFailures: 2, BreakerCooldown: time.Hour, Required: true}
	}))
	me := a.NewUser(t)
	them, them2 := b.NewUser(t), b.NewUser(t)
	var trip struct {
		Slug string
		ID   int64
	}
	a.Do(t, "POST", "/api/v1/trip-plans/", me.Bearer, map[string]any{"title": "云南"}).Want(t, "trip", http.StatusCreated).JSON(t, &trip)
	items := fmt.Sprintf("/api/v1/trip-plans/%d/events/", trip.ID)
	var first struct{ ID int64 }
	a.Do(t, "POST", items, me.Bearer, map[string]any{"title": "飞机起飞", "eventTime": "2025-11-15T10:00",
		"location": map[string]any{"name": "首都机场"}}).Want(t, "item", http.StatusCreated).JSON(t, &first)
	a.Do(t, "POST", items, me.Bearer, map[string]any{"title": "入住", "eventTime": "2025-11-15T15:00"}).Want(t, "item 2", http.StatusCreated)
	sync := "/api/v1/trips/" + trip.Slug + "/sync-to-calendar/"
	aiSync := "/api/v1/ralendar/trips/" + trip.Slug + "/sync-ai-trip/"

	wantCode := func(t *testing.T, r apptest.Response, status int, code string) map[string]any {
		t.Helper()
		body := r.Want(t, code, status).Map(t)
		if body["code"] != code || body["error"] == "" || body["message"] == "" || body["details"] == nil {
			t.Errorf("answer %v, want code %s with error, message, details", body, code)
		}
		return body
	}
	// bind runs the OAuth flow: A's authorize URL, B's consent (the user
	// logged in at B allows), A's callback.
	bind := func(t *testing.T, bBearer string) map[string]any {
		t.Helper()
		var au struct {
			AuthorizeURL string `json:"authorize_url"`
			State        string
		}
		a.Do(t, "GET", "/api/v1/ralendar-oauth/authorize-url/", me.Bearer, nil).Want(t, "authorize url", http.StatusOK).JSON(t, &au)
		u, err := url.Parse(au.AuthorizeURL)
		if err != nil || !strings.HasPrefix(au.AuthorizeURL, gw.URL+"/oauth/authorize/") {
			t.Fatalf("authorize_url %q", au.AuthorizeURL)
		}
		q := u.Query()
		if q.Get("client_id") != clientID || q.Get("redirect_uri") != redirectURI || q.Get("state") != au.State || q.Get("response_type") != "code" {
			t.Fatalf("authorize_url query %v", q)
		}
		// Ralendar's consent page: what is asked, then the user's yes.
		info := b.Do(t, "GET", "/api/oauth/authorize/?"+q.Encode(), bBearer, nil).Want(t, "consent", http.StatusOK).Map(t)
		if info["client_id"] != clientID {
			t.Errorf("consent %v", info)
		}
		var granted struct {
			Code       string
			RedirectTo string `json:"redirect_to"`
		}
		form := map[string]string{}
		for k := range q {
			form[k] = q.Get(k)
		}
		b.Do(t, "POST", "/api/oauth/authorize/", bBearer, form).Want(t, "allow", http.StatusOK).JSON(t, &granted)
		back, _ := url.Parse(granted.RedirectTo)
		if back.Query().Get("code") != granted.Code || back.Query().Get("state") != au.State {
			t.Fatalf("redirect_to %q", granted.RedirectTo)
		}
		r := a.Do(t, "POST", "/api/v1/ralendar-oauth/callback/", me.Bearer, map[string]string{"code": granted.Code, "state": au.State}).
			Want(t, "callback", http.StatusOK).Map(t)
		// The code is single use.
		wantCode(t, a.Do(t, "POST", "/api/v1/ralendar-oauth/callback/", me.Bearer, map[string]string{"code": granted.Code, "state": au.State}),
			http.StatusBadRequest, "TOKEN_EXCHANGE_FAILED")
		return r
	}
	accounts := func(t *testing.T) []map[string]any {
		t.Helper()
		var out struct{ Accounts []map[string]any }
		a.Do(t, "GET", "/api/v1/ralendar-oauth/accounts/", me.Bearer, nil).Want(t, "accounts", http.StatusOK).JSON(t, &out)
		return out.Accounts
	}

	t.Run("without a bound account", func(t *testing.T) {
		if accs := accounts(t); len(accs) != 0 {
			t.Errorf("accounts %v", accs)
		}
		body := wantCode(t, a.Do(t, "POST", sync, me.Bearer, nil), http.StatusBadRequest, "NO_RALENDAR_ACCOUNT")
		if body["error_code"] != "NO_RALENDAR_ACCOUNT" {
			t.Errorf("error_code %v", body["error_code"])
		}
		wantCode(t, a.Do(t, "POST", aiSync, me.Bearer, map[string]any{"events": []map[string]any{{"title": "x", "start_time": "2025-11-15T10:00:00+08:00"}}}),
			http.StatusBadRequest, "NO_RALENDAR_ACCOUNT")
		wantCode(t, a.Do(t, "GET", "/api/v1/ralendar/trips/events/", me.Bearer, nil), http.StatusBadRequest, "NO_RALENDAR_ACCOUNT")
		// B binds no other Ralendar: its binding routes are not configured.
		wantCode(t, b.Do(t, "GET", "/api/v1/ralendar-oauth/authorize-url/", them.Bearer, nil), http.StatusNotFound, "NOT_CONFIGURED")
		wantCode(t, b.Do(t, "POST", "/api/v1/ralendar-oauth/callback/", them.Bearer, map[string]string{"code": "c", "state": "s"}),
			http.StatusNotFound, "NOT_CONFIGURED")
		if r := b.Do(t, "GET", "/api/v1/ralendar-oauth/accounts/", them.Bearer, nil).Want(t, "B's accounts", http.StatusOK).Map(t); r["count"] != float64(0) {
			t.Errorf("B's accounts %v", r)
		}
	})
	t.Run("a state that is not the caller's is refused", func(t *testing.T) {
		other := a.NewUser(t)
		var au struct{ State string }
		a.Do(t, "GET", "/api/v1/ralendar-oauth/authorize-url/", other.Bearer, nil).Want(t, "authorize url", http.StatusOK).JSON(t, &au)
		wantCode(t, a.Do(t, "POST", "/api/v1/ralendar-oauth/callback/", me.Bearer, map[string]string{"code": "x", "state": au.State}),
			http.StatusBadRequest, "INVALID_STATE")
		a.Do(t, "POST", "/api/v1/ralendar-oauth/callback/", me.Bearer, map[string]any{"code": 5, "state": au.State}).WantField(t, "code type", "code")
	})
	t.Run("bind", func(t *testing.T) {
		r := bind(t, them.Bearer)
		apptest.CheckReads(t, r, map[string]string{"success": "bool", "account.id": "int", "account.ralendar_username": "string",
			"account.ralendar_email": "string", "account.ralendar_avatar": "string"})
		accs := accounts(t)
		if len(accs) != 1 {
			t.Fatalf("accounts %v", accs)
		}
		apptest.CheckReads(t, accs[0], map[string]string{"id": "int", "is_default": "bool", "ralendar_username": "string",
			"ralendar_email": "string", "ralendar_avatar": "string", "is_token_expired": "bool", "created_at": "string", "last_synced_at": "null"})
		if accs[0]["ralendar_username"] != them.Username || accs[0]["is_default"] != true || accs[0]["is_token_expired"] != false {
			t.Errorf("account %v", accs[0])
		}
		// The tokens are in the log sealed (no JWT in the stored bytes).
		recs, err := a.App.Store().ReadStream(context.Background(), ralendarlink.Stream(int64(me.ID)), eventlog.ReadStreamOptions{})
		if err != nil || len(recs) != 1 {
			t.Fatalf("log: %v %v", recs, err)
		}
		var ev ralendarlink.RalendarAccountBound
		if err := json.Unmarshal(recs[0].Data, &ev); err != nil {
			t.Fatal(err)
		}
		// Tokens and the remote profile are sealed in the vault under the
		// user's subject (no JWT, no remote username in the stored bytes).
		if ev.Tokens.AccessSealed == "" || ev.Tokens.RefreshSealed == "" || jwtInClear.Match(recs[0].Data) ||
			bytes.Contains(recs[0].Data, []byte(them.Username)) {
			t.Errorf("tokens or profile in the log: %s", recs[0].Data)
		}
	})
	var synced map[string]int64
	t.Run("sync goes to the bound account", func(t *testing.T) {
		var res struct {
			SyncedCount  int                  `json:"synced_count"`
			SyncedEvents []struct{ ID int64 } `json:"synced_events"`
		}
		a.Do(t, "POST", sync, me.Bearer, map[string]any{"create_events": true}).Want(t, "sync", http.StatusOK).JSON(t, &res)
		synced = remoteEvents(t, b, them.Bearer, trip.Slug)
		if res.SyncedCount != 2 || len(synced) != 2 || synced["飞机起飞"] == 0 || synced["入住"] == 0 {
			t.Fatalf("sync %+v; B has %v", res, synced)
		}
		var own struct{ Count int }
		a.Do(t, "GET", "/api/events/", me.Bearer, nil).Want(t, "own calendar", http.StatusOK).JSON(t, &own)
		if own.Count != 0 {
			t.Errorf("the own calendar has %d events", own.Count)
		}
		if accs := accounts(t); accs[0]["last_synced_at"] == nil {
			t.Errorf("last_synced_at not set: %v", accs[0])
		}
	})
	t.Run("syncing again makes no duplicates", func(t *testing.T) {
		a.Do(t, "POST", sync, me.Bearer, nil).Want(t, "sync again", http.StatusOK)
		if again := remoteEvents(t, b, them.Bearer, trip.Slug); len(again) != 2 || again["飞机起飞"] != synced["飞机起飞"] {
			t.Errorf("after a re-sync B has %v, had %v", again, synced)
		}
	})
	t.Run("a removed item is deleted remotely", func(t *testing.T) {
		a.Do(t, "DELETE", fmt.Sprintf("%s%d/", items, first.ID), me.Bearer, nil).Want(t, "remove item", http.StatusNoContent)
		a.Do(t, "POST", sync, me.Bearer, nil).Want(t, "sync", http.StatusOK)
		if left := remoteEvents(t, b, them.Bearer, trip.Slug); len(left) != 1 || left["入住"] != synced["入住"] {
			t.Errorf("B has %v", left)
		}
	})
	t.Run("the client's sync-ai-trip and event calls", func(t *testing.T) {
		evs := []map[string]any{{"title": "洱海", "start_time": "2025-11-16T09:00:00+08:00", "reminder_minutes": 30, "email_reminder": true},
			{"title": "古城", "start_time": "2025-11-16T14:00:00+08:00", "location": "大理"}}
		r := a.Do(t, "POST", aiSync, me.Bearer, map[string]any{"events": evs}).Want(t, "ai sync", http.StatusOK).Map(t)
		apptest.CheckReads(t, r, map[string]string{"code": "int", "data.synced_count": "int", "data.failed_count": "int"})
		a.Do(t, "POST", aiSync, me.Bearer, map[string]any{"events": evs[:1]}).Want(t, "shorter", http.StatusOK)
		if got := remoteEvents(t, b, them.Bearer, trip.Slug); len(got) != 2 || got["洱海"] == 0 || got["入住"] == 0 {
			t.Errorf("B has %v", got)
		}
		list := a.Do(t, "GET", "/api/v1/ralendar/trips/events/?page_size=50", me.Bearer, nil).Want(t, "list", http.StatusOK).Map(t)
		apptest.CheckReads(t, list, map[string]string{"results": "list"})
		var made struct{ ID int64 }
		a.Do(t, "POST", "/api/v1/ralendar/trips/events/create/", me.Bearer, map[string]any{"title": "自己的", "start_time": "2025-11-17T09:00:00+08:00"}).
			Want(t, "create", http.StatusCreated).JSON(t, &made)
		a.Do(t, "PUT", fmt.Sprintf("/api/v1/ralendar/events/%d/", made.ID), me.Bearer, map[string]any{"title": "改了", "start_time": "2025-11-17T10:00:00+08:00"}).
			Want(t, "update", http.StatusOK)
		a.Do(t, "DELETE", fmt.Sprintf("/api/v1/ralendar/events/%d/", made.ID), me.Bearer, nil).Want(t, "delete", http.StatusNoContent)
		a.Do(t, "DELETE", fmt.Sprintf("/api/v1/ralendar/events/%d/", made.ID), me.Bearer, nil).Want(t, "gone", http.StatusNotFound)
		a.Do(t, "POST", "/api/v1/ralendar/trips/events/create/", me.Bearer, map[string]any{"title": ""}).Want(t, "invalid", http.StatusBadRequest)
	})
	t.Run("the default account is the one synced to", func(t *testing.T) {
		bind(t, them2.Bearer)
		accs := accounts(t)
		if len(accs) != 2 || accs[0]["is_default"] != true || accs[0]["ralendar_username"] != them.Username {
			t.Fatalf("accounts %v", accs)
		}
		second := int64(accs[1]["id"].(float64))
		a.Do(t, "POST", fmt.Sprintf("/api/v1/ralendar-oauth/%d/set-default/", second), me.Bearer, nil).Want(t, "set default", http.StatusOK)
		a.Do(t, "POST", sync, me.Bearer, nil).Want(t, "sync", http.StatusOK)
		if got := remoteEvents(t, b, them2.Bearer, trip.Slug); len(got) != 1 {
			t.Errorf("the second account has %v", got)
		}
		a.Do(t, "DELETE", fmt.Sprintf("/api/v1/ralendar-oauth/%d/unbind/", second), me.Bearer, nil).Want(t, "unbind", http.StatusOK)
		accs = accounts(t)
		if len(accs) != 1 || accs[0]["is_default"] != true {
			t.Errorf("after unbinding the default: %v", accs)
		}
		a.Do(t, "POST", fmt.Sprintf("/api/v1/ralendar-oauth/%d/set-default/", second), me.Bearer, nil).Want(t, "unbound", http.StatusNotFound)
		a.Do(t, "DELETE", "/api/v1/ralendar-oauth/x/unbind/", me.Bearer, nil).Want(t, "bad id", http.StatusNotFound)
	})
	t.Run("an expired access token is refreshed first", func(t *testing.T) {
		clock.Advance(10 * time.Minute)
		me.Bearer = a.Login(t, me.Username, me.Password)
		them.Bearer = b.Login(t, them.Username, them.Password)
		before := gw.count("POST /api/oauth/token/ refresh_token")
		a.Do(t, "POST", sync, me.Bearer, nil).Want(t, "sync", http.StatusOK)
		if n := gw.count("POST /api/oauth/token/ refresh_token") - before; n != 1 {
			t.Errorf("%d refreshes, want 1", n)
		}
		a.Do(t, "POST", sync, me.Bearer, nil).Want(t, "sync", http.StatusOK)
		if n := gw.count("POST /api/oauth/token/ refresh_token") - before; n != 1 {
			t.Errorf("%d refreshes after a second sync, want still 1", n)
		}
	})
	t.Run("a refused refresh token is TOKEN_EXPIRED until bound again", func(t *testing.T) {
		clock.Advance(16 * 24 * time.Hour)
		me.Bearer = a.Login(t, me.Username, me.Password)
		them.Bearer = b.Login(t, them.Username, them.Password)
		r := a.Do(t, "POST", sync, me.Bearer, nil)
		if r.Status == http.StatusUnauthorized {
			t.Fatalf("TOKEN_EXPIRED must not be 401 (the client would log out): %s", r.Body)
		}
		wantCode(t, r, http.StatusForbidden, "TOKEN_EXPIRED")
		wantCode(t, a.Do(t, "POST", aiSync, me.Bearer, map[string]any{"events": []map[string]any{{"title": "x", "start_time": "2025-11-16T09:00:00+08:00"}}}),
			http.StatusForbidden, "TOKEN_EXPIRED")
		if accs := accounts(t); accs[0]["is_token_expired"] != true {
			t.Errorf("account %v", accs[0])
		}
		bind(t, them.Bearer)
		if accs := accounts(t); len(accs) != 1 || accs[0]["is_token_expired"] != false {
			t.Errorf("after binding again: %v", accs)
		}
		a.Do(t, "POST", sync, me.Bearer, nil).Want(t, "sync", http.StatusOK)
	})
	t.Run("the other side down is a closed 503, then the circuit opens", func(t *testing.T) {
		for _, mode := range []int32{modeDown, modeHang} {
			gw.mode.Store(mode)
			r := a.Do(t, "POST", sync, me.Bearer, nil)
			body := r.Want(t, "down", http.StatusServiceUnavailable).Map(t)
			if body["error_code"] != "SERVICE_UNAVAILABLE" || body["code"] != "RALENDAR_UNAVAILABLE" || r.Header.Get("Retry-After") == "" {
				t.Errorf("mode %d: %v %v", mode, r.Header, body)
			}
			if strings.Contains(string(r.Body), gw.URL) {
				t.Errorf("the answer names the other side: %s", r.Body)
			}
		}
		seen := gw.count("")
		gw.mode.Store(modeUp)
		r := a.Do(t, "POST", sync, me.Bearer, nil).Want(t, "open circuit", http.StatusServiceUnavailable)
		if gw.count("") != seen {
			t.Errorf("the open circuit still called the other side")
		}
		wantCode(t, r, http.StatusServiceUnavailable, "RALENDAR_UNAVAILABLE")
		wantCode(t, a.Do(t, "GET", "/api/v1/ralendar/trips/events/", me.Bearer, nil), http.StatusServiceUnavailable, "RALENDAR_UNAVAILABLE")
	})
	t.Run("erasing the user shreds the binding", func(t *testing.T) {
		ctx := context.Background()
		uid := int64(me.ID)
		// The remote e-mails as the list shows them before erasure.
		var emails [][]byte
		for _, acc := range accounts(t) {
			e, _ := acc["ralendar_email"].(string)
			if !strings.Contains(e, "@") {
				t.Fatalf("account before erasure: %v", acc)
			}
			emails = append(emails, []byte(e))
		}
		clear := func(b []byte) bool {
			for _, e := range emails {
				if bytes.Contains(b, e) {
					return true
				}
			}
			return bytes.Contains(b, []byte(them.Username)) || bytes.Contains(b, []byte(them2.Username)) || jwtInClear.Match(b)
		}
		a.Do(t, "POST", fmt.Sprintf("/api/admin/users/%d/erase/", uid), a.AdminBearer(t), nil).Want(t, "erase", http.StatusOK)
		// The vault's keys go in a reaction soon after: poll with a deadline.
		for deadline := time.Now().Add(20 * time.Second); ; {
			accs := accounts(t)
			empty := true
			for _, acc := range accs {
				if acc["ralendar_username"] != "" || acc["ralendar_email"] != "" || acc["ralendar_avatar"] != "" {
					empty = false
				}
			}
			if empty {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("accounts after erasure still show the remote profile: %v", accs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The tokens cannot be opened: the sync has no account (before
		// any call to the other side), never a 5xx.
		wantCode(t, a.Do(t, "POST", sync, me.Bearer, nil), http.StatusBadRequest, "NO_RALENDAR_ACCOUNT")
		// Neither the read model nor the log holds the remote e-mail,
		// username or a token in clear.
		var row string
		if err := a.App.Pool().QueryRow(ctx, `SELECT coalesce(string_agg(username || email || avatar, ''), '') FROM ralendarlink.accounts WHERE user_id = $1`, uid).Scan(&row); err != nil {
			t.Fatal(err)
		}
		if clear([]byte(row)) {
			t.Errorf("read model holds %q", row)
		}
		recs, err := a.App.Store().ReadStream(ctx, ralendarlink.Stream(uid), eventlog.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if clear(r.Data) {
				t.Errorf("log holds in clear: %s", r.Data)
			}
		}
	})
}

// jwtInClear matches a JWT's header and payload (base64url of `{"`, a
// dot, more base64url). A sealed value is base64url without dots, so it
// can hold "eyJ" by chance but never this.
var jwtInClear = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
