package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// ralendarMix is Ralendar's part of the mixed workload (10). A day of a
// calendar: people open their month (their own events merged with the
// calendars they subscribe to) far more than anything else, look at an
// event, the lunar date and the holidays; they add, move and delete an
// event now and then, browse and subscribe to public calendars less, and
// manage their account and feed links rarely.
//
// Client applications sign its users in with OAuth (Ralendar as a
// provider), Roamio links trips to its events and syncs the users'
// addresses, and people sign up with QQ and AcWing (shared: the stand-ins,
// see mix_ralendar_link.go).
func ralendarMix(share float64, shared *sharedStandins) *mixAPI {
	st := &ralendarState{shared: shared}
	return &mixAPI{
		Name:  "ralendar",
		Share: share,
		Env:   shared.env,
		Setup: st.setup,
		Actions: []mixAction{
			{Name: "my month", Weight: 25, Run: st.month},
			{Name: "an event", Weight: 8, Run: st.event},
			{Name: "who am I", Weight: 5, Run: st.me},
			{Name: "the lunar date", Weight: 4, Run: st.lunar},
			{Name: "the holidays", Weight: 3, Run: st.holidays},
			{Name: "my numbers", Weight: 3, Run: st.stats},
			{Name: "the calendars", Weight: 8, Run: st.calendars},
			{Name: "a calendar's events and feed", Weight: 4, Run: st.calendarEvents},
			{Name: "an event's life", Weight: 3, Run: st.eventLife},
			{Name: "events from a trip", Weight: 0.5, Run: st.batch},
			{Name: "a calendar's life", Weight: 1, Run: st.calendarLife},
			{Name: "subscribe and leave", Weight: 1, Run: st.subscription},
			{Name: "a feed link", Weight: 0.5, Run: st.feed},
			{Name: "log in again", Weight: 1, Run: st.login},
			{Name: "my account", Weight: 0.5, Run: st.account},
			{Name: "an app signs in with Ralendar", Weight: 0.3, Run: st.appSignIn},
			{Name: "an event linked to a trip", Weight: 0.3, Run: st.linkTrip},
			{Name: "a user's address from Roamio (server to server)", Weight: 0.2, Run: st.syncUserInfo},
			{Name: "sign up with QQ and with AcWing", Weight: 0.2, Run: st.socialSignUp},
		},
	}
}

// ralendarState is the fixture: a user per worker with events over the
// year, and public calendars with events that everyone subscribes to.
// The set-up writes it before the run starts the workers, which only
// read it: no lock.
type ralendarState struct {
	shared  *sharedStandins
	workers []*ralendarWorker // by worker ID, 16
	year    int
	// public are the shared public calendars' ids.
	public []int64
}

// ralendarWorker is one worker's account and objects.
type ralendarWorker struct {
	id              int64
	name, password  string
	access, refresh string
	events          []int64
	calendar        int64 // the worker's own public calendar
}

func (st *ralendarState) setup(ctx context.Context, m *mixEnv) error {
	st.year = time.Now().Year()
	perCal, own := 120, 60
	if m.Short {
		perCal, own = 30, 15
	}
	owner, err := newRalendarWorker(ctx, m.C, m.Tag+"o")
	if err != nil {
		return err
	}
	for c := range 2 {
		var cal struct {
			ID int64 `json:"id"`
		}
		if err := m.C.call(ctx, http.MethodPost, "/api/calendars/", owner.bearer(), map[string]any{
			"name": fmt.Sprintf("公开日历 %d", c), "url_slug": fmt.Sprintf("mix-%s-%d", m.Tag, c), "is_public": true,
		}, http.StatusCreated, &cal); err != nil {
			return err
		}
		for i := range perCal {
			if err := m.C.call(ctx, http.MethodPost, fmt.Sprintf("/api/calendars/%d/events/", cal.ID), owner.bearer(),
				st.eventBody(fmt.Sprintf("公开活动 %d-%d", c, i), i, perCal), http.StatusCreated, nil); err != nil {
				return err
			}
		}
		st.public = append(st.public, cal.ID)
	}
	for id := range 16 {
		rw, err := newRalendarWorker(ctx, m.C, fmt.Sprintf("%s%d", m.Tag, id))
		if err != nil {
			return err
		}
		for i := range own {
			var ev struct {
				ID int64 `json:"id"`
			}
			if err := m.C.call(ctx, http.MethodPost, "/api/events/", rw.bearer(), st.eventBody(fmt.Sprintf("日程 %d", i), i, own), http.StatusCreated, &ev); err != nil {
				return err
			}
			rw.events = append(rw.events, ev.ID)
		}
		for _, c := range st.public {
			if err := m.C.call(ctx, http.MethodPost, fmt.Sprintf("/api/calendars/%d/subscribe/", c), rw.bearer(), nil, http.StatusOK, nil); err != nil {
				return err
			}
		}
		var cal struct {
			ID int64 `json:"id"`
		}
		if err := m.C.call(ctx, http.MethodPost, "/api/calendars/", rw.bearer(), map[string]any{
			"name": "我的日历", "url_slug": fmt.Sprintf("mix-%s-w%d", m.Tag, id), "is_public": true,
		}, http.StatusCreated, &cal); err != nil {
			return err
		}
		rw.calendar = cal.ID
		st.workers = append(st.workers, rw)
	}
	return nil
}

// newWorker registers and logs in a user named after tag.
// newRalendarWorker registers a Ralendar account and logs it in.
func newRalendarWorker(ctx context.Context, c *client, tag string) (*ralendarWorker, error) {
	rw := &ralendarWorker{name: "ral" + tag, password: userPassword("ral" + tag)}
	if err := c.call(ctx, http.MethodPost, "/api/auth/register/", "", map[string]any{
		"username": rw.name, "password": rw.password, "email": rw.name + "@example.com",
	}, http.StatusCreated, nil); err != nil {
		return nil, err
	}
	var tok struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
		User    struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/auth/login/", "", map[string]any{"username": rw.name, "password": rw.password}, http.StatusOK, &tok); err != nil {
		return nil, err
	}
	rw.access, rw.refresh, rw.id = tok.Access, tok.Refresh, tok.User.ID
	return rw, nil
}

func (rw *ralendarWorker) bearer() string { return "Bearer " + rw.access }

// worker returns w's account (workers beyond the set-up's 16 share theirs
// by index: only reads and their own new objects are written).
func (st *ralendarState) worker(w *mixWorker) *ralendarWorker {
	return st.workers[w.ID%len(st.workers)]
}

// eventBody is event i of n spread over the year, at 09:00 in China.
func (st *ralendarState) eventBody(title string, i, n int) map[string]any {
	start := time.Date(st.year, 1, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)).Add(time.Duration(i) * 365 * 24 * time.Hour / time.Duration(n))
	return map[string]any{"title": title, "start_time": start.Format(time.RFC3339), "end_time": start.Add(90 * time.Minute).Format(time.RFC3339), "email_reminder": false}
}

func (st *ralendarState) month(ctx context.Context, w *mixWorker) error {
	m := time.Month(1 + w.Rnd.IntN(12))
	from := time.Date(st.year, m, 1, 0, 0, 0, 0, time.UTC)
	path := fmt.Sprintf("/api/events/?start=%s&end=%s&page_size=100", from.Format(time.DateOnly), from.AddDate(0, 1, -1).Format(time.DateOnly))
	return w.Call(ctx, "GET /api/events/", path, st.worker(w).bearer(), nil, http.StatusOK, nil)
}

func (st *ralendarState) event(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	id := rw.events[w.Rnd.IntN(len(rw.events))]
	return w.Call(ctx, "GET /api/events/{id}/", fmt.Sprintf("/api/events/%d/", id), rw.bearer(), nil, http.StatusOK, nil)
}

func (st *ralendarState) me(ctx context.Context, w *mixWorker) error {
	return w.Call(ctx, "GET /api/auth/me/", "/api/auth/me/", st.worker(w).bearer(), nil, http.StatusOK, nil)
}

func (st *ralendarState) lunar(ctx context.Context, w *mixWorker) error {
	day := time.Date(st.year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w.Rnd.IntN(365))
	return w.Call(ctx, "GET /api/lunar/", "/api/lunar/?date="+day.Format(time.DateOnly), "", nil, http.StatusOK, nil)
}

func (st *ralendarState) holidays(ctx context.Context, w *mixWorker) error {
	switch w.Rnd.IntN(3) {
	case 0:
		return w.Call(ctx, "GET /api/holidays/", fmt.Sprintf("/api/holidays/?year=%d", st.year), "", nil, http.StatusOK, nil)
	case 1:
		day := time.Date(st.year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w.Rnd.IntN(365))
		return w.Call(ctx, "GET /api/holidays/check/", "/api/holidays/check/?date="+day.Format(time.DateOnly), "", nil, http.StatusOK, nil)
	}
	return w.Call(ctx, "GET /api/holidays/today/", "/api/holidays/today/", "", nil, http.StatusOK, nil)
}

func (st *ralendarState) stats(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	if err := w.Call(ctx, "GET /api/user/stats/", "/api/user/stats/", rw.bearer(), nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "GET /api/user/bindings/", "/api/user/bindings/", rw.bearer(), nil, http.StatusOK, nil)
}

func (st *ralendarState) calendars(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	if err := w.Call(ctx, "GET /api/calendars/", "/api/calendars/", rw.bearer(), nil, http.StatusOK, nil); err != nil {
		return err
	}
	id := st.public[w.Rnd.IntN(len(st.public))]
	return w.Call(ctx, "GET /api/calendars/{id}/", fmt.Sprintf("/api/calendars/%d/", id), rw.bearer(), nil, http.StatusOK, nil)
}

func (st *ralendarState) calendarEvents(ctx context.Context, w *mixWorker) error {
	id := st.public[w.Rnd.IntN(len(st.public))]
	if err := w.Call(ctx, "GET /api/calendars/{id}/events/", fmt.Sprintf("/api/calendars/%d/events/", id), st.worker(w).bearer(), nil, http.StatusOK, nil); err != nil {
		return err
	}
	_, err := w.Send(ctx, "GET /api/calendars/{id}/feed/", fmt.Sprintf("/api/calendars/%d/feed/", id), "", nil, nil, http.StatusOK)
	return err
}

// eventLife: an event added, moved, renamed and deleted.
func (st *ralendarState) eventLife(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	var ev struct {
		ID int64 `json:"id"`
	}
	i := w.Rnd.IntN(365)
	if err := w.Call(ctx, "POST /api/events/", "/api/events/", rw.bearer(), st.eventBody(w.Unique("会议"), i, 365), http.StatusCreated, &ev); err != nil {
		return err
	}
	path := fmt.Sprintf("/api/events/%d/", ev.ID)
	if err := w.Call(ctx, "PATCH /api/events/{id}/", path, rw.bearer(), map[string]any{"location": "图书馆 3 楼"}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PUT /api/events/{id}/", path, rw.bearer(), st.eventBody(w.Unique("改期的会议"), (i+1)%365, 365), http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/events/{id}/", path, rw.bearer(), nil, http.StatusNoContent, nil)
}

// batch: a trip's days added at once, as Roamio's sync sends them.
func (st *ralendarState) batch(ctx context.Context, w *mixWorker) error {
	events := make([]map[string]any, 5)
	for i := range events {
		events[i] = st.eventBody(w.Unique("行程"), w.Rnd.IntN(365), 365)
	}
	return w.Call(ctx, "POST /api/events/batch/", "/api/events/batch/", st.worker(w).bearer(), map[string]any{"events": events}, http.StatusCreated, nil)
}

// calendarLife: a calendar made, renamed twice and deleted.
func (st *ralendarState) calendarLife(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	var cal struct {
		ID int64 `json:"id"`
	}
	slug := w.Unique("mix-cal-")
	if err := w.Call(ctx, "POST /api/calendars/", "/api/calendars/", rw.bearer(), map[string]any{"name": "社团活动", "url_slug": slug, "is_public": false}, http.StatusCreated, &cal); err != nil {
		return err
	}
	path := fmt.Sprintf("/api/calendars/%d/", cal.ID)
	if err := w.Call(ctx, "PATCH /api/calendars/{id}/", path, rw.bearer(), map[string]any{"description": "每周活动"}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PUT /api/calendars/{id}/", path, rw.bearer(), map[string]any{"name": "社团活动（新）", "url_slug": slug, "is_public": false}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/calendars/{id}/events/", path+"events/", rw.bearer(), st.eventBody(w.Unique("例会"), w.Rnd.IntN(365), 365), http.StatusCreated, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/calendars/{id}/", path, rw.bearer(), nil, http.StatusNoContent, nil)
}

// subscription: a worker subscribes to another's calendar and leaves it,
// by either of the two documented ways.
func (st *ralendarState) subscription(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	other := st.workers[(w.ID+1)%len(st.workers)].calendar
	path := fmt.Sprintf("/api/calendars/%d/", other)
	if err := w.Call(ctx, "POST /api/calendars/{id}/subscribe/", path+"subscribe/", rw.bearer(), nil, http.StatusOK, nil); err != nil {
		return err
	}
	if w.Rnd.IntN(2) == 0 {
		return w.Call(ctx, "POST /api/calendars/{id}/unsubscribe/", path+"unsubscribe/", rw.bearer(), nil, http.StatusOK, nil)
	}
	return w.Call(ctx, "DELETE /api/calendars/{id}/subscribe/", path+"subscribe/", rw.bearer(), nil, http.StatusOK, nil)
}

// feed: a feed link made, read by a calendar app and revoked.
func (st *ralendarState) feed(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	var tok struct {
		Token string `json:"token"`
	}
	if err := w.Call(ctx, "POST /api/feeds/token/", "/api/feeds/token/", rw.bearer(), nil, http.StatusCreated, &tok); err != nil {
		return err
	}
	if _, err := w.Send(ctx, "GET /api/feeds/{token}", "/api/feeds/"+tok.Token, "", nil, nil, http.StatusOK); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/feeds/token/", "/api/feeds/token/", rw.bearer(), nil, http.StatusNoContent, nil)
}

// login: the app logs in again and refreshes its token.
func (st *ralendarState) login(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	var tok struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
	}
	if err := w.Call(ctx, "POST /api/auth/login/", "/api/auth/login/", "", map[string]any{"username": rw.name, "password": rw.password}, http.StatusOK, &tok); err != nil {
		return err
	}
	return w.Call(ctx, "POST /api/auth/refresh/", "/api/auth/refresh/", "", map[string]any{"refresh": tok.Refresh}, http.StatusOK, nil)
}

// account: a new user registers, edits the profile and changes the
// password.
func (st *ralendarState) account(ctx context.Context, w *mixWorker) error {
	name := w.Unique("ralnew")
	pw := userPassword(name)
	if err := w.Call(ctx, "POST /api/auth/register/", "/api/auth/register/", "", map[string]any{"username": name, "password": pw}, http.StatusCreated, nil); err != nil {
		return err
	}
	var tok struct {
		Access string `json:"access"`
	}
	if err := w.Call(ctx, "POST /api/auth/login/", "/api/auth/login/", "", map[string]any{"username": name, "password": pw}, http.StatusOK, &tok); err != nil {
		return err
	}
	bearer := "Bearer " + tok.Access
	if err := w.Call(ctx, "PATCH /api/user/profile/", "/api/user/profile/", bearer, map[string]any{"email": name + "@example.org"}, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "POST /api/user/change-password/", "/api/user/change-password/", bearer,
		map[string]any{"old_password": pw, "new_password": pw + "x"}, http.StatusOK, nil)
}
