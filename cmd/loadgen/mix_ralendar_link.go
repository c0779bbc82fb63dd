package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	oauthstandin "github.com/fiveapis/backend/transport/oauth/standin"
)

// Ralendar as an OAuth provider, and Roamio's binding to it, in the mixed
// workload (10), with the stand-ins of the QQ and AcWing logins (see
// mix_social.go). A deployment binds the Ralendar of another deployment; the
// bench runs one server, so it binds its own Ralendar, reached through a
// loopback gateway as the other deployment would be: every call Roamio's
// binding makes (token exchange, user info, the calendar's events) goes out
// of the server and back in over HTTP. The server is both sides:
// RALENDAR_OAUTH_SERVER_CLIENTS registers the client application,
// RALENDAR_OAUTH_BASE_URL and its siblings bind Roamio to it.

// The client application the bench registers with Ralendar, and the system
// key of Ralendar's user sync.
const (
	linkClientID     = "roamio-bench"
	linkClientSecret = "bench-client-secret-0123456789"
	linkSyncKey      = "bench-sync-api-key-0123456789"
)

// sharedStandins are the stand-ins the Roamio and Ralendar parts of the mix
// share, on one loopback server: under /api/ the gateway to the server's own
// Ralendar, under /qq/ QQ Connect and under /acwing/ AcWing (their OAuth
// logins, see transport/oauth/standin). The first Env of either part starts
// it; both give the server the same settings.
type sharedStandins struct {
	once sync.Once
	err  error
	// base is the server's URL, "http://127.0.0.1:port".
	base string
	// target is the server the gateway forwards to, once it runs.
	target atomic.Pointer[url.URL]
	srv    *http.Server
	refs   atomic.Int32

	qq     *oauthstandin.QQ
	acwing *oauthstandin.AcWing
}

// The QQ and AcWing apps the bench registers, and the redirect URIs of
// Roamio's and Ralendar's QQ logins (never followed: the load generator
// mints the codes a login at QQ would give the browser).
const (
	qqAppID, qqAppKey         = "bench-qq", "bench-qq-key-0123456789"
	roamioQQRedirect          = "https://roamio.bench.invalid/auth/qq/callback"
	ralendarQQRedirect        = "https://ralendar.bench.invalid/auth/qq/callback"
	acwingAppID, acwingSecret = "bench-acwing", "bench-acwing-secret-0123456789"
)

// redirect is the registered redirect URI: Ralendar's own page that shows
// the code (GET /api/oauth2/receive_code/), behind the gateway.
func (l *sharedStandins) redirect() string { return l.base + "/api/oauth2/receive_code/" }

// env starts the stand-ins once and returns the server's settings for
// them.
func (l *sharedStandins) env(ctx context.Context, dir string) ([]string, func(), error) {
	l.once.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			l.err = fmt.Errorf("shared stand-ins: %w", err)
			return
		}
		l.qq = oauthstandin.NewQQ(qqAppID, qqAppKey, roamioQQRedirect, ralendarQQRedirect)
		l.acwing = oauthstandin.NewAcWing(acwingAppID, acwingSecret)
		mux := http.NewServeMux()
		mux.Handle("/api/", &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			if t := l.target.Load(); t != nil {
				r.SetURL(t)
			}
		}})
		mux.Handle("/qq/", http.StripPrefix("/qq", l.qq))
		mux.Handle("/acwing/", http.StripPrefix("/acwing", l.acwing))
		l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = l.srv.Serve(ln) }()
		l.base = "http://" + ln.Addr().String()
	})
	if l.err != nil {
		return nil, nil, l.err
	}
	l.refs.Add(1)
	stop := func() {
		if l.refs.Add(-1) == 0 {
			_ = l.srv.Close()
		}
	}
	return []string{
		"RALENDAR_OAUTH_SERVER_CLIENTS=" + linkClientID + ":" + linkClientSecret + ":" + l.redirect(),
		"RALENDAR_SYNC_API_KEY=" + linkSyncKey,
		"RALENDAR_OAUTH_BASE_URL=" + l.base + "/api",
		"RALENDAR_OAUTH_CLIENT_ID=" + linkClientID,
		"RALENDAR_OAUTH_CLIENT_SECRET=" + linkClientSecret,
		"RALENDAR_OAUTH_REDIRECT_URI=" + l.redirect(),
		"QQ_APP_ID=" + qqAppID, "QQ_APP_KEY=" + qqAppKey, "QQ_API_URL=" + l.base + "/qq",
		"QQ_REDIRECT_URI=" + roamioQQRedirect, "RALENDAR_QQ_REDIRECT_URI=" + ralendarQQRedirect,
		"ACWING_APP_ID=" + acwingAppID, "ACWING_APP_SECRET=" + acwingSecret, "ACWING_API_URL=" + l.base + "/acwing",
	}, stop, nil
}

// point makes the gateway forward to the server under test.
func (l *sharedStandins) point(c *client) error {
	u, err := url.Parse(c.base)
	if err != nil {
		return fmt.Errorf("ralendar gateway target: %w", err)
	}
	l.target.Store(u)
	return nil
}

// caller sends one documented operation: a worker's recorded call, or the
// set-up's (setupCaller).
type caller func(ctx context.Context, op, path, auth string, body any, want int, out any) error

// setupCaller calls through c without recording: the fixture's calls are
// not part of the run.
func setupCaller(c *client) caller {
	return func(ctx context.Context, op, path, auth string, body any, want int, out any) error {
		method, _, _ := strings.Cut(op, " ")
		return c.call(ctx, method, path, auth, body, want, out)
	}
}

// consent is a Ralendar user's yes to the client application for the
// authorization request q, as the consent page sends it: the page's
// details, the grant, and the redirect the browser follows to Ralendar's
// code page. It returns the code and state that page shows.
func consent(ctx context.Context, call caller, bearer string, q url.Values) (code, state string, err error) {
	if err := call(ctx, "GET /api/oauth/authorize/", "/api/oauth/authorize/?"+q.Encode(), bearer, nil, http.StatusOK, nil); err != nil {
		return "", "", err
	}
	form := map[string]string{}
	for k := range q {
		form[k] = q.Get(k)
	}
	var granted struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := call(ctx, "POST /api/oauth/authorize/", "/api/oauth/authorize/", bearer, form, http.StatusOK, &granted); err != nil {
		return "", "", err
	}
	back, err := url.Parse(granted.RedirectTo)
	if err != nil || !strings.HasSuffix(back.Path, "/api/oauth2/receive_code/") {
		return "", "", fmt.Errorf("consent: redirect_to %q is not the registered code page", granted.RedirectTo)
	}
	var shown struct {
		Code  string `json:"code"`
		State string `json:"state"`
	}
	if err := call(ctx, "GET /api/oauth2/receive_code/", back.RequestURI(), "", nil, http.StatusOK, &shown); err != nil {
		return "", "", err
	}
	return shown.Code, shown.State, nil
}

// bindRalendar binds the Ralendar account of ralBearer to the Roamio user of
// bearer: Roamio's authorize URL, the consent at Ralendar, Roamio's
// callback (which exchanges the code and reads the user info through the
// gateway). It returns the binding's id.
func bindRalendar(ctx context.Context, call caller, bearer, ralBearer string) (int64, error) {
	var au struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	if err := call(ctx, "GET /api/v1/ralendar-oauth/authorize-url/", "/api/v1/ralendar-oauth/authorize-url/", bearer, nil, http.StatusOK, &au); err != nil {
		return 0, err
	}
	u, err := url.Parse(au.AuthorizeURL)
	if err != nil {
		return 0, fmt.Errorf("authorize_url %q: %w", au.AuthorizeURL, err)
	}
	code, state, err := consent(ctx, call, ralBearer, u.Query())
	if err != nil {
		return 0, err
	}
	var bound struct {
		Account struct {
			ID int64 `json:"id"`
		} `json:"account"`
	}
	if err := call(ctx, "POST /api/v1/ralendar-oauth/callback/", "/api/v1/ralendar-oauth/callback/", bearer,
		map[string]string{"code": code, "state": state}, http.StatusOK, &bound); err != nil {
		return 0, err
	}
	return bound.Account.ID, nil
}

// roamioLink is the Roamio side's fixture: each worker's Ralendar account,
// bound in the set-up, and a second account every worker binds for a while.
type roamioLink struct {
	*sharedStandins
	ral    []*ralendarWorker // by Roamio worker
	second *ralendarWorker
}

// setupLink makes every Roamio worker a Ralendar account and binds it.
func (st *roamioState) setupLink(ctx context.Context, m *mixEnv) error {
	if err := st.link.point(m.C); err != nil {
		return err
	}
	var err error
	if st.link.second, err = newRalendarWorker(ctx, m.C, "lk"+m.Tag+"s"); err != nil {
		return err
	}
	call := setupCaller(m.C)
	for i, rw := range st.workers {
		ral, err := newRalendarWorker(ctx, m.C, fmt.Sprintf("lk%s_%d", m.Tag, i))
		if err != nil {
			return err
		}
		if _, err := bindRalendar(ctx, call, rw.bearer, ral.bearer()); err != nil {
			return fmt.Errorf("bind %s: %w", rw.name, err)
		}
		st.link.ral = append(st.link.ral, ral)
	}
	return nil
}

// linked runs f with w's Roamio account and its bound Ralendar account, one
// action at a time per account (the default account must not change under
// an action that creates an event and then edits it).
func (st *roamioState) linked(ctx context.Context, w *mixWorker, f func(rw *roamioWorker, ral *ralendarWorker) error) error {
	if len(st.link.ral) == 0 {
		return errors.New("no Ralendar account was bound in the set-up")
	}
	i := w.ID % len(st.workers)
	rw := st.workers[i]
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return f(rw, st.link.ral[i])
}

// tripToCalendar: a traveller puts the trip's timed items into the bound
// calendar, one item again later, and looks at what the calendar holds.
func (st *roamioState) tripToCalendar(ctx context.Context, w *mixWorker) error {
	return st.linked(ctx, w, func(rw *roamioWorker, _ *ralendarWorker) error {
		if err := w.Call(ctx, "POST /api/v1/trips/{slug}/sync-to-calendar/", "/api/v1/trips/"+rw.trip+"/sync-to-calendar/", rw.bearer,
			map[string]any{"create_events": true}, http.StatusOK, nil); err != nil {
			return err
		}
		item := rw.items[w.Rnd.IntN(len(rw.items))]
		if err := w.Call(ctx, "POST /api/v1/trip-plans/{slug}/events/{eid}/sync_to_ralendar/",
			fmt.Sprintf("/api/v1/trip-plans/%s/events/%d/sync_to_ralendar/", rw.trip, item), rw.bearer, nil, http.StatusOK, nil); err != nil {
			return err
		}
		return w.Call(ctx, "GET /api/v1/ralendar/trips/events/", "/api/v1/ralendar/trips/events/?page_size=20", rw.bearer, nil, http.StatusOK, nil)
	})
}

// aiTripToCalendar: the web client's AI planner sends its own list of
// events for the trip.
func (st *roamioState) aiTripToCalendar(ctx context.Context, w *mixWorker) error {
	return st.linked(ctx, w, func(rw *roamioWorker, _ *ralendarWorker) error {
		day := 1 + w.Rnd.IntN(28)
		evs := []map[string]any{
			{"title": "洱海骑行", "start_time": fmt.Sprintf("2027-06-%02dT09:00:00+08:00", day), "reminder_minutes": 30, "email_reminder": false},
			{"title": "古城晚饭", "start_time": fmt.Sprintf("2027-06-%02dT18:00:00+08:00", day), "location": "大理"},
		}
		return w.Call(ctx, "POST /api/v1/ralendar/trips/{slug}/sync-ai-trip/", "/api/v1/ralendar/trips/"+rw.trip+"/sync-ai-trip/", rw.bearer,
			map[string]any{"events": evs}, http.StatusOK, nil)
	})
}

// calendarEventLife: an event made in the bound calendar from Roamio,
// replaced, edited and deleted.
func (st *roamioState) calendarEventLife(ctx context.Context, w *mixWorker) error {
	return st.linked(ctx, w, func(rw *roamioWorker, _ *ralendarWorker) error {
		var made struct {
			ID int64 `json:"id"`
		}
		if err := w.Call(ctx, "POST /api/v1/ralendar/trips/events/create/", "/api/v1/ralendar/trips/events/create/", rw.bearer,
			map[string]any{"title": "看日出", "start_time": "2027-06-02T06:00:00+08:00"}, http.StatusCreated, &made); err != nil {
			return err
		}
		path := fmt.Sprintf("/api/v1/ralendar/events/%d/", made.ID)
		if err := w.Call(ctx, "PUT /api/v1/ralendar/events/{id}/", path, rw.bearer,
			map[string]any{"title": "看日出", "start_time": "2027-06-02T05:40:00+08:00", "location": "玉龙雪山"}, http.StatusOK, nil); err != nil {
			return err
		}
		if err := w.Call(ctx, "PATCH /api/v1/ralendar/events/{id}/", path, rw.bearer, map[string]any{"title": "看日出（早起）"}, http.StatusOK, nil); err != nil {
			return err
		}
		return w.Call(ctx, "DELETE /api/v1/ralendar/events/{id}/", path, rw.bearer, nil, http.StatusNoContent, nil)
	})
}

// anotherCalendar: a traveller binds a second Ralendar account (a
// family calendar), syncs to it for a while as the default, goes back to
// their own and unbinds it.
func (st *roamioState) anotherCalendar(ctx context.Context, w *mixWorker) error {
	return st.linked(ctx, w, func(rw *roamioWorker, _ *ralendarWorker) error {
		second, err := bindRalendar(ctx, w.Call, rw.bearer, st.link.second.bearer())
		if err != nil {
			return err
		}
		var list struct {
			Accounts []struct {
				ID        int64 `json:"id"`
				IsDefault bool  `json:"is_default"`
			} `json:"accounts"`
		}
		if err := w.Call(ctx, "GET /api/v1/ralendar-oauth/accounts/", "/api/v1/ralendar-oauth/accounts/", rw.bearer, nil, http.StatusOK, &list); err != nil {
			return err
		}
		var own int64
		for _, a := range list.Accounts {
			if a.ID != second {
				own = a.ID
			}
		}
		if own == 0 {
			return fmt.Errorf("accounts %+v: the own binding is missing", list.Accounts)
		}
		for _, id := range []int64{second, own} {
			if err := w.Call(ctx, "POST /api/v1/ralendar-oauth/{id}/set-default/", fmt.Sprintf("/api/v1/ralendar-oauth/%d/set-default/", id),
				rw.bearer, nil, http.StatusOK, nil); err != nil {
				return err
			}
		}
		return w.Call(ctx, "DELETE /api/v1/ralendar-oauth/{id}/unbind/", fmt.Sprintf("/api/v1/ralendar-oauth/%d/unbind/", second),
			rw.bearer, nil, http.StatusOK, nil)
	})
}

// appSignIn: a client application signs a Ralendar user in with OAuth: the
// consent, the code exchanged for tokens, the user info, and a refresh.
func (st *ralendarState) appSignIn(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	q := url.Values{"client_id": {linkClientID}, "redirect_uri": {st.shared.redirect()}, "response_type": {"code"},
		"state": {w.Unique("st")}, "scope": {"calendar:read"}}
	code, _, err := consent(ctx, w.Call, rw.bearer(), q)
	if err != nil {
		return err
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := w.Call(ctx, "POST /api/oauth/token/", "/api/oauth/token/", "", map[string]string{"grant_type": "authorization_code", "code": code,
		"redirect_uri": st.shared.redirect(), "client_id": linkClientID, "client_secret": linkClientSecret}, http.StatusOK, &tok); err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /api/oauth/userinfo/", "/api/oauth/userinfo/", "Bearer "+tok.Access, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "POST /api/oauth/token/", "/api/oauth/token/", "", map[string]string{"grant_type": "refresh_token", "refresh_token": tok.Refresh,
		"client_id": linkClientID, "client_secret": linkClientSecret}, http.StatusOK, nil)
}

// linkTrip: an event of the calendar is linked to a Roamio trip, as
// Roamio's sync does, and unlinked again.
func (st *ralendarState) linkTrip(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	id := rw.events[w.Rnd.IntN(len(rw.events))]
	path := fmt.Sprintf("/api/events/%d/link-trip/", id)
	if err := w.Call(ctx, "PATCH /api/events/{id}/link-trip/", path, rw.bearer(),
		map[string]any{"trip_slug": "yunnan-" + w.Unique("t"), "source_app": "roamio", "source_id": "1"}, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "PATCH /api/events/{id}/link-trip/", path, rw.bearer(), map[string]any{"trip_slug": ""}, http.StatusOK, nil)
}

// syncUserInfo: the other app tells Ralendar a user's new address, with
// the system key (server to server).
func (st *ralendarState) syncUserInfo(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	body, err := json.Marshal(map[string]any{"user_id": rw.id, "source": "roamio", "data": map[string]any{"email": w.Unique(rw.name) + "@example.net"}})
	if err != nil {
		return err
	}
	hdr := http.Header{"Content-Type": {"application/json"}, "X-API-Key": {linkSyncKey}}
	_, err = w.Send(ctx, "POST /api/sync/user-info/", "/api/sync/user-info/", "", hdr, bytes.NewReader(body), http.StatusOK)
	return err
}
