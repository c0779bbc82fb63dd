package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
)

// roamioMix is Roamio's part of the mixed workload (10). A day of a trip
// planner: people browse the public trips and read their comment threads
// most; they open their own trips and plans, edit an item, tick one off;
// they like, check in, comment and reply less; a new trip is planned,
// cloned or deleted rarely, and the account is looked at now and then.
//
// Its users also put their trips into a Ralendar calendar bound through
// OAuth and log in with QQ (shared: the stand-ins, see
// mix_ralendar_link.go).
func roamioMix(share float64, shared *sharedStandins) *mixAPI {
	st := &roamioState{link: roamioLink{sharedStandins: shared}}
	return &mixAPI{
		Name:  "roamio",
		Share: share,
		Env:   st.env,
		Setup: st.setup,
		Actions: []mixAction{
			{Name: "the public trips", Weight: 15, Run: st.browse},
			{Name: "a trip", Weight: 10, Run: st.trip},
			{Name: "a trip's comments", Weight: 10, Run: st.thread},
			{Name: "my trips", Weight: 6, Run: st.mine},
			{Name: "a plan's items", Weight: 6, Run: st.items},
			{Name: "the comments list", Weight: 3, Run: st.comments},
			{Name: "who am I", Weight: 4, Run: st.me},
			{Name: "a traveller's page", Weight: 3, Run: st.profile},
			{Name: "like, check in, view", Weight: 4, Run: st.react},
			{Name: "comment and reply", Weight: 2, Run: st.comment},
			{Name: "an item's life", Weight: 2, Run: st.itemLife},
			{Name: "a plan's life", Weight: 0.5, Run: st.planLife},
			{Name: "my profile", Weight: 0.5, Run: st.editProfile},
			{Name: "log in again", Weight: 0.5, Run: st.login},
			{Name: "a new traveller joins", Weight: 0.3, Run: st.join},
			{Name: "items from the app's local store", Weight: 0.3, Run: st.fromLocal},
			{Name: "a new picture", Weight: 0.3, Run: st.avatar},
			{Name: "a comment with a photo", Weight: 0.3, Run: st.commentImage},
			{Name: "pin a comment (administrator)", Weight: 0.2, Run: st.pin},
			{Name: "the webhooks (administrator)", Weight: 0.2, Run: st.webhooks},
			{Name: "a new address, a forgotten password", Weight: 0.1, Run: st.emailSettings},
			{Name: "my trip into my calendar", Weight: 0.3, Run: st.tripToCalendar},
			{Name: "the AI planner's trip into my calendar", Weight: 0.2, Run: st.aiTripToCalendar},
			{Name: "an event of my calendar from Roamio", Weight: 0.2, Run: st.calendarEventLife},
			{Name: "a second calendar for a while", Weight: 0.1, Run: st.anotherCalendar},
			{Name: "a QQ account bound, logged in with, unbound", Weight: 0.2, Run: st.qq},
		},
	}
}

// roamioState is the fixture: a user per worker, each with a published
// public trip of items, and a shared popular trip with a comment thread.
// The set-up writes it before the run starts the workers, which only
// read it: no lock.
type roamioState struct {
	roamioMoreState
	link    roamioLink
	workers []*roamioWorker
	// popular is the trip everyone reads; top its top-level comments.
	popular string
	top     []int64
	pages   int
}

// roamioWorker is one worker's account and trip.
type roamioWorker struct {
	// mu keeps two actions from changing the account's address at once.
	mu                    sync.Mutex
	name, bearer, refresh string
	id                    int64
	trip                  string
	items                 []int64
}

func (st *roamioState) setup(ctx context.Context, m *mixEnv) error {
	trips, top := 40, 40
	if m.Short {
		trips, top = 16, 20
	}
	for i := range 16 {
		rw := &roamioWorker{name: fmt.Sprintf("rm%s_%d", m.Tag, i)}
		if _, err := m.C.register(ctx, rw.name, userPassword(rw.name)); err != nil {
			return err
		}
		if err := st.logIn(ctx, m.C, rw); err != nil {
			return err
		}
		st.workers = append(st.workers, rw)
	}
	for i := range trips {
		rw := st.workers[i%len(st.workers)]
		slug, err := st.newTrip(ctx, m.C, rw.bearer, fmt.Sprintf("云南之旅 %d", i))
		if err != nil {
			return err
		}
		if i < len(st.workers) {
			rw.trip = slug
			for j := range 6 {
				var it struct {
					ID int64 `json:"id"`
				}
				if err := m.C.call(ctx, http.MethodPost, "/api/v1/trip-plans/"+slug+"/events/", rw.bearer, roamioItem(fmt.Sprintf("第 %d 站", j), j), http.StatusCreated, &it); err != nil {
					return err
				}
				rw.items = append(rw.items, it.ID)
			}
		}
		if i == 0 {
			st.popular = slug
		}
	}
	st.pages = max(1, (trips+19)/20)
	for i := range top {
		var c struct {
			ID int64 `json:"id"`
		}
		author := st.workers[i%len(st.workers)]
		if err := m.C.call(ctx, http.MethodPost, "/api/v1/comments/", author.bearer, map[string]any{"content": fmt.Sprintf("好玩 %d", i), "page": st.popular}, http.StatusCreated, &c); err != nil {
			return err
		}
		if err := m.C.call(ctx, http.MethodPost, "/api/v1/comments/", st.workers[(i+1)%len(st.workers)].bearer, map[string]any{"content": "同意", "page": st.popular, "parent": c.ID}, http.StatusCreated, nil); err != nil {
			return err
		}
		st.top = append(st.top, c.ID)
	}
	if err := st.setupMore(ctx, m); err != nil {
		return err
	}
	return st.setupLink(ctx, m)
}

// logIn logs rw in and keeps its tokens and id.
func (st *roamioState) logIn(ctx context.Context, c *client, rw *roamioWorker) error {
	var out struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
		User    struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/v1/auth/login/", "", map[string]string{"username": rw.name, "password": userPassword(rw.name)}, http.StatusOK, &out); err != nil {
		return err
	}
	rw.bearer, rw.refresh, rw.id = "Bearer "+out.Access, out.Refresh, out.User.ID
	return nil
}

// newTrip makes a published public trip and returns its slug.
func (st *roamioState) newTrip(ctx context.Context, c *client, bearer, title string) (string, error) {
	var out struct {
		Slug string `json:"slug"`
	}
	err := c.call(ctx, http.MethodPost, "/api/v1/trip-plans/", bearer, map[string]any{
		"title": title, "description": "丽江、大理、洱海", "visibility": "public", "status": "published",
		"overview": map[string]any{"highlights": []string{"丽江", "大理"}},
	}, http.StatusCreated, &out)
	return out.Slug, err
}

// roamioItem is item j of a trip: a day's stop.
func roamioItem(title string, j int) map[string]any {
	return map[string]any{"title": title, "description": "步行", "event_time": fmt.Sprintf("2027-05-%02dT09:00:00+08:00", 1+j%28), "location": "大理古城"}
}

func (st *roamioState) worker(w *mixWorker) *roamioWorker {
	return st.workers[w.ID%len(st.workers)]
}

// someTrip is a worker's trip, any of them.
func (st *roamioState) someTrip(w *mixWorker) string {
	return st.workers[w.Rnd.IntN(len(st.workers))].trip
}

func (st *roamioState) browse(ctx context.Context, w *mixWorker) error {
	path := fmt.Sprintf("/api/v1/trips/?page=%d", 1+w.Rnd.IntN(st.pages))
	return w.Call(ctx, "GET /api/v1/trips/", path, "", nil, http.StatusOK, nil)
}

func (st *roamioState) trip(ctx context.Context, w *mixWorker) error {
	slug := st.someTrip(w)
	if err := w.Call(ctx, "GET /api/v1/trips/{slug}/", "/api/v1/trips/"+slug+"/", "", nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "GET /api/v1/trips/{slug}/stats/", "/api/v1/trips/"+slug+"/stats/", "", nil, http.StatusOK, nil)
}

func (st *roamioState) thread(ctx context.Context, w *mixWorker) error {
	if err := w.Call(ctx, "GET /api/v1/trips/{slug}/comments/", "/api/v1/trips/"+st.popular+"/comments/", "", nil, http.StatusOK, nil); err != nil {
		return err
	}
	id := st.top[w.Rnd.IntN(len(st.top))]
	return w.Call(ctx, "GET /api/v1/comments/{id}/replies/", fmt.Sprintf("/api/v1/comments/%d/replies/", id), "", nil, http.StatusOK, nil)
}

func (st *roamioState) mine(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	if err := w.Call(ctx, "GET /api/v1/trip-plans/my_trips/", "/api/v1/trip-plans/my_trips/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /api/v1/trip-plans/", "/api/v1/trip-plans/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /api/v1/trip-plans/{slug}/", "/api/v1/trip-plans/"+rw.trip+"/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "GET /api/v1/trip-plans/{slug}/stats/", "/api/v1/trip-plans/"+rw.trip+"/stats/", rw.bearer, nil, http.StatusOK, nil)
}

func (st *roamioState) items(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	base := "/api/v1/trip-plans/" + rw.trip + "/events/"
	if err := w.Call(ctx, "GET /api/v1/trip-plans/{slug}/events/", base, rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	id := rw.items[w.Rnd.IntN(len(rw.items))]
	return w.Call(ctx, "GET /api/v1/trip-plans/{slug}/events/{eid}/", fmt.Sprintf("%s%d/", base, id), rw.bearer, nil, http.StatusOK, nil)
}

func (st *roamioState) comments(ctx context.Context, w *mixWorker) error {
	if err := w.Call(ctx, "GET /api/v1/comments/", "/api/v1/comments/?trip="+st.popular, "", nil, http.StatusOK, nil); err != nil {
		return err
	}
	id := st.top[w.Rnd.IntN(len(st.top))]
	return w.Call(ctx, "GET /api/v1/comments/{id}/", fmt.Sprintf("/api/v1/comments/%d/", id), "", nil, http.StatusOK, nil)
}

func (st *roamioState) me(ctx context.Context, w *mixWorker) error {
	return w.Call(ctx, "GET /api/v1/auth/me/", "/api/v1/auth/me/", st.worker(w).bearer, nil, http.StatusOK, nil)
}

func (st *roamioState) profile(ctx context.Context, w *mixWorker) error {
	other := st.workers[w.Rnd.IntN(len(st.workers))]
	rw := st.worker(w)
	base := fmt.Sprintf("/api/v1/users/%d/", other.id)
	if err := w.Call(ctx, "GET /api/v1/users/{id}/", base, rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /api/v1/users/{id}/profile/", base+"profile/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "GET /api/v1/users/{id}/stats/", base+"stats/", rw.bearer, nil, http.StatusOK, nil)
}

// react: a like (toggled, so it is undone as often as done), a check-in
// and a view of someone's trip.
func (st *roamioState) react(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	slug := st.someTrip(w)
	if err := w.Call(ctx, "POST /api/v1/trips/{slug}/like/", "/api/v1/trips/"+slug+"/like/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/v1/trips/{slug}/checkin/", "/api/v1/trips/"+slug+"/checkin/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/v1/trip-plans/{slug}/like/", "/api/v1/trip-plans/"+slug+"/like/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "POST /api/v1/trip-plans/{slug}/view/", "/api/v1/trip-plans/"+slug+"/view/", rw.bearer, nil, http.StatusOK, nil)
}

// postComment comments on the popular trip as rw and returns the
// comment's path.
func (st *roamioState) postComment(ctx context.Context, w *mixWorker, rw *roamioWorker, text string) (string, error) {
	var c struct {
		ID int64 `json:"id"`
	}
	if err := w.Call(ctx, "POST /api/v1/comments/", "/api/v1/comments/", rw.bearer, map[string]any{"content": w.Unique(text), "page": st.popular}, http.StatusCreated, &c); err != nil {
		return "", err
	}
	return fmt.Sprintf("/api/v1/comments/%d/", c.ID), nil
}

// comment: a comment on the popular trip, a reply to it, a like, an edit
// and both deleted again.
func (st *roamioState) comment(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	path, err := st.postComment(ctx, w, rw, "风景很美")
	if err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/v1/comments/{id}/like/", path+"like/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PATCH /api/v1/comments/{id}/", path, rw.bearer, map[string]any{"content": w.Unique("风景很美（改）")}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PUT /api/v1/comments/{id}/", path, rw.bearer, map[string]any{"content": w.Unique("风景真美")}, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/v1/comments/{id}/", path, rw.bearer, nil, http.StatusNoContent, nil)
}

// itemLife: an item added to the worker's trip, edited, ticked off and
// deleted.
func (st *roamioState) itemLife(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	base := "/api/v1/trip-plans/" + rw.trip + "/events/"
	var it struct {
		ID int64 `json:"id"`
	}
	if err := w.Call(ctx, "POST /api/v1/trip-plans/{slug}/events/", base, rw.bearer, roamioItem(w.Unique("洱海"), w.Rnd.IntN(28)), http.StatusCreated, &it); err != nil {
		return err
	}
	path := fmt.Sprintf("%s%d/", base, it.ID)
	if err := w.Call(ctx, "PATCH /api/v1/trip-plans/{slug}/events/{eid}/", path, rw.bearer, map[string]any{"location": "双廊"}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PUT /api/v1/trip-plans/{slug}/events/{eid}/", path, rw.bearer, roamioItem(w.Unique("洱海骑行"), w.Rnd.IntN(28)), http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/v1/trip-plans/{slug}/events/{eid}/toggle_complete/", path+"toggle_complete/", rw.bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/v1/trip-plans/{slug}/events/{eid}/", path, rw.bearer, nil, http.StatusNoContent, nil)
}

// planLife: a trip planned, edited, cloned, and both deleted.
func (st *roamioState) planLife(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	var out struct {
		Slug string `json:"slug"`
	}
	if err := w.Call(ctx, "POST /api/v1/trip-plans/", "/api/v1/trip-plans/", rw.bearer, map[string]any{
		"title": w.Unique("周末去哪"), "description": "计划中", "visibility": "private", "status": "draft",
	}, http.StatusCreated, &out); err != nil {
		return err
	}
	path := "/api/v1/trip-plans/" + out.Slug + "/"
	if err := w.Call(ctx, "PATCH /api/v1/trip-plans/{slug}/", path, rw.bearer, map[string]any{"description": "两天一夜"}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PUT /api/v1/trip-plans/{slug}/", path, rw.bearer, map[string]any{"title": w.Unique("周末去苍山"), "description": "两天一夜", "visibility": "private", "status": "draft"}, http.StatusOK, nil); err != nil {
		return err
	}
	var clone struct {
		Slug string `json:"slug"`
	}
	if err := w.Call(ctx, "POST /api/v1/trip-plans/{slug}/clone/", path+"clone/", rw.bearer, nil, http.StatusCreated, &clone); err != nil {
		return err
	}
	if err := w.Call(ctx, "DELETE /api/v1/trip-plans/{slug}/", "/api/v1/trip-plans/"+clone.Slug+"/", rw.bearer, nil, http.StatusNoContent, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/v1/trip-plans/{slug}/", path, rw.bearer, nil, http.StatusNoContent, nil)
}

func (st *roamioState) editProfile(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	if err := w.Call(ctx, "PATCH /api/v1/users/update_profile/", "/api/v1/users/update_profile/", rw.bearer, map[string]any{"bio": w.Unique("爱旅行")}, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "PUT /api/v1/users/update_profile/", "/api/v1/users/update_profile/", rw.bearer, map[string]any{"bio": w.Unique("爱旅行"), "tags": "徒步"}, http.StatusOK, nil)
}

// login: the app logs in again (password hashing) and refreshes its token.
func (st *roamioState) login(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	var out struct {
		Refresh string `json:"refresh"`
	}
	if err := w.Call(ctx, "POST /api/v1/auth/login/", "/api/v1/auth/login/", "", map[string]string{"username": rw.name, "password": userPassword(rw.name)}, http.StatusOK, &out); err != nil {
		return err
	}
	return w.Call(ctx, "POST /api/v1/auth/refresh/", "/api/v1/auth/refresh/", "", map[string]string{"refresh": out.Refresh}, http.StatusOK, nil)
}

// join: a new traveller registers, confirms their address by mail, takes a
// token pair as the mini-program does, looks at the travellers, renames themself, fills the profile and
// logs out.
func (st *roamioState) join(ctx context.Context, w *mixWorker) error {
	name := w.Unique("rmnew")
	email, pw := name+"@example.com", userPassword(name)
	var reg struct {
		Access string `json:"access"`
		User   struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := w.Call(ctx, "POST /api/v1/auth/register/", "/api/v1/auth/register/", "", map[string]string{
		"username": name, "email": email, "password": pw, "password_confirm": pw,
	}, http.StatusCreated, &reg); err != nil {
		return err
	}
	bearer := "Bearer " + reg.Access
	if err := st.bindEmail(ctx, w, bearer, email); err != nil {
		return err
	}
	var pair struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
	}
	if err := w.Call(ctx, "POST /api/v1/token/", "/api/v1/token/", "", map[string]string{"username": name, "password": pw}, http.StatusOK, &pair); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/v1/token/refresh/", "/api/v1/token/refresh/", "", map[string]string{"refresh": pair.Refresh}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /api/v1/users/", "/api/v1/users/", bearer, nil, http.StatusOK, nil); err != nil {
		return err
	}
	self := fmt.Sprintf("/api/v1/users/%d/", reg.User.ID)
	if err := w.Call(ctx, "PATCH /api/v1/users/{id}/", self, bearer, map[string]string{"username": name + "x"}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PUT /api/v1/users/{id}/", self, bearer, map[string]string{"username": name + "y"}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PATCH /api/v1/users/{id}/profile/", self+"profile/", bearer, map[string]string{"bio": "第一次来云南"}, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "POST /api/v1/auth/logout/", "/api/v1/auth/logout/", bearer, map[string]string{"refresh": pair.Refresh}, http.StatusOK, nil)
}

// fromLocal: the app sends the items it kept offline in one request.
func (st *roamioState) fromLocal(ctx context.Context, w *mixWorker) error {
	rw := st.worker(w)
	items := make([]map[string]any, 3)
	for i := range items {
		items[i] = roamioItem(w.Unique("离线记录"), w.Rnd.IntN(28))
	}
	return w.Call(ctx, "POST /api/v1/trip-plans/{slug}/events/batch_create_from_local/", "/api/v1/trip-plans/"+rw.trip+"/events/batch_create_from_local/",
		rw.bearer, map[string]any{"events": items}, http.StatusCreated, nil)
}
