package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// magpieAppSecret is the app secret the bench's server and the mix's app
// logins share (MAGPIE_APP_SECRET).
const magpieAppSecret = "bench-magpie-app-secret"

// magpieMix is Magpie's part of the mixed workload (10). A day of the
// village tickets app: citizens and village chiefs open the ticket lists
// and a ticket with its comments most; they comment, report a new problem
// and correct it less; a chief takes a ticket up; the places, options and
// roles are read by the app's screens; administrators add a place or a
// role rarely.
func magpieMix(share float64) *mixAPI {
	st := &magpieState{}
	return &mixAPI{
		Name:  "magpie",
		Share: share,
		Env: func(context.Context, string) ([]string, func(), error) {
			return []string{"MAGPIE_APP_SECRET=" + magpieAppSecret}, func() {}, nil
		},
		Setup: st.setup,
		Actions: []mixAction{
			{Name: "the tickets", Weight: 20, Run: st.tickets},
			{Name: "a ticket", Weight: 10, Run: st.ticket},
			{Name: "a ticket's comments", Weight: 8, Run: st.comments},
			{Name: "the places", Weight: 5, Run: st.places},
			{Name: "the options", Weight: 3, Run: st.options},
			{Name: "me and my roles", Weight: 4, Run: st.me},
			{Name: "comment", Weight: 2, Run: st.comment},
			{Name: "report a problem", Weight: 2, Run: st.report},
			{Name: "report a problem with a photo", Weight: 1, Run: st.reportWithPhoto},
			{Name: "a chief takes a ticket up", Weight: 1, Run: st.takeUp},
			{Name: "a new app user", Weight: 0.5, Run: st.newUser},
			{Name: "administration", Weight: 0.3, Run: st.administer},
		},
	}
}

// magpieState is the fixture: two areas of two villages, a cluster, a
// citizen per worker with tickets in their village, and a chief per
// village.
// The set-up writes it before the run starts the workers, which only
// read it: no lock.
type magpieState struct {
	villages []int64
	areas    []int64
	cluster  int64
	citizens []*magpieUser
	chiefs   []*magpieUser // by village
	admin    string
	// photo is the JPEG a report uploads.
	photo []byte
}

// magpieUser is an app user: its id, ApiKey authorization and tickets.
type magpieUser struct {
	id      int64
	auth    string
	village int64
	tickets []int64
}

func magpieURI(kind string, id int64) string { return fmt.Sprintf("/api/lastest/%s/%d/", kind, id) }

func (st *magpieState) setup(ctx context.Context, m *mixEnv) error {
	st.admin = m.Admin
	photo, err := travelPicture(320, 240, 1, false)
	if err != nil {
		return err
	}
	st.photo = photo
	perUser := 6
	if m.Short {
		perUser = 3
	}
	area := func(name, kind string, parent int64) (int64, error) {
		body := map[string]any{"name": name, "kind": kind}
		if parent != 0 {
			body["parent"] = magpieURI("area", parent)
		}
		var out struct {
			ID int64 `json:"id"`
		}
		err := m.C.call(ctx, http.MethodPost, "/api/lastest/area/", m.Admin, body, http.StatusCreated, &out)
		return out.ID, err
	}
	for a := range 2 {
		aid, err := area(fmt.Sprintf("区 %s-%d", m.Tag, a), "area", 0)
		if err != nil {
			return err
		}
		st.areas = append(st.areas, aid)
		for v := range 2 {
			vid, err := area(fmt.Sprintf("里 %s-%d-%d", m.Tag, a, v), "village", aid)
			if err != nil {
				return err
			}
			st.villages = append(st.villages, vid)
		}
	}
	var cl struct {
		ID int64 `json:"id"`
	}
	if err := m.C.call(ctx, http.MethodPost, "/api/lastest/cluster/", m.Admin, map[string]any{"name": "Local Affair " + m.Tag}, http.StatusCreated, &cl); err != nil {
		return err
	}
	st.cluster = cl.ID
	for i, v := range st.villages {
		chief, err := magpieNewUser(ctx, m.C, fmt.Sprintf("%sc%d", m.Tag, i))
		if err != nil {
			return err
		}
		if err := m.C.call(ctx, http.MethodPatch, "/api/lastest/role/", m.Admin, map[string]any{
			"user": magpieURI("auth/user", chief.id), "casting": "村里長", "area": magpieURI("area", v),
		}, http.StatusCreated, nil); err != nil {
			return err
		}
		chief.village = v
		st.chiefs = append(st.chiefs, chief)
	}
	for i := range 16 {
		u, err := magpieNewUser(ctx, m.C, fmt.Sprintf("%su%d", m.Tag, i))
		if err != nil {
			return err
		}
		u.village = st.villages[i%len(st.villages)]
		chief := st.chiefs[i%len(st.villages)]
		for range perUser {
			id, err := magpieTicket(ctx, m.C, u, "路燈不亮")
			if err != nil {
				return err
			}
			// The village's chief opens it to comments.
			if err := m.C.call(ctx, http.MethodPatch, magpieURI("ticket", id), chief.auth, map[string]any{"can_comment": true}, http.StatusAccepted, nil); err != nil {
				return err
			}
			u.tickets = append(u.tickets, id)
		}
		st.citizens = append(st.citizens, u)
	}
	return nil
}

// magpieSignup is the app's first call on a new phone: an account from the
// Google Play e-mail, proved by the SHA1 digest of secret, salt and e-mail.
func magpieSignup(tag string) map[string]any {
	email, salt := "magpie_"+tag+"@gmail.com", "1700000000-"+tag
	sum := sha1.Sum([]byte(magpieAppSecret + salt + email))
	return map[string]any{"salt_id": salt, "email_of_google_play": email, "app_key_verify": hex.EncodeToString(sum[:])}
}

// magpieAccount is the answer to magpieSignup.
type magpieAccount struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	APIKey   struct {
		Key string `json:"key"`
	} `json:"api_key"`
}

func (a magpieAccount) user() *magpieUser {
	return &magpieUser{id: a.ID, auth: "ApiKey " + a.Username + ":" + a.APIKey.Key}
}

// magpieNewUser makes an app user through POST /api/lastest/auth/user/.
func magpieNewUser(ctx context.Context, c *client, tag string) (*magpieUser, error) {
	var a magpieAccount
	if err := c.call(ctx, http.MethodPost, "/api/lastest/auth/user/", "", magpieSignup(tag), http.StatusCreated, &a); err != nil {
		return nil, err
	}
	return a.user(), nil
}

// magpieTicket reports a public problem in u's village.
func magpieTicket(ctx context.Context, c *client, u *magpieUser, title string) (int64, error) {
	var out struct {
		ID int64 `json:"id"`
	}
	err := c.call(ctx, http.MethodPost, "/api/lastest/ticket/", u.auth, magpieTicketBody(u, title), http.StatusCreated, &out)
	return out.ID, err
}

func magpieTicketBody(u *magpieUser, title string) map[string]any {
	return map[string]any{"title": title, "content": "巷口的路燈晚上不亮", "latitude": 24.12058206, "longitude": 120.67864537,
		"village": magpieURI("area", u.village), "is_public": true}
}

func (st *magpieState) citizen(w *mixWorker) *magpieUser {
	return st.citizens[w.ID%len(st.citizens)]
}

func (st *magpieState) someTicket(w *mixWorker) int64 {
	u := st.citizen(w)
	return u.tickets[w.Rnd.IntN(len(u.tickets))]
}

func (st *magpieState) tickets(ctx context.Context, w *mixWorker) error {
	u := st.citizen(w)
	path := "/api/lastest/ticket/?in_working=true&limit=20"
	auth := u.auth
	if w.Rnd.IntN(3) == 0 { // a chief's village list
		chief := st.chiefs[w.Rnd.IntN(len(st.chiefs))]
		path, auth = fmt.Sprintf("/api/lastest/ticket/?village=%d&order_by=-create_time", chief.village), chief.auth
	}
	return w.Call(ctx, "GET /api/lastest/ticket/", path, auth, nil, http.StatusOK, nil)
}

func (st *magpieState) ticket(ctx context.Context, w *mixWorker) error {
	return w.Call(ctx, "GET /api/lastest/ticket/{id}/", magpieURI("ticket", st.someTicket(w)), st.citizen(w).auth, nil, http.StatusOK, nil)
}

func (st *magpieState) comments(ctx context.Context, w *mixWorker) error {
	u := st.citizen(w)
	var list struct {
		Objects []struct {
			ID int64 `json:"id"`
		} `json:"objects"`
	}
	if err := w.Call(ctx, "GET /api/lastest/comment/", "/api/lastest/comment/?ticket="+strconv.FormatInt(st.someTicket(w), 10), u.auth, nil, http.StatusOK, &list); err != nil {
		return err
	}
	if len(list.Objects) == 0 {
		return nil
	}
	c := list.Objects[w.Rnd.IntN(len(list.Objects))]
	return w.Call(ctx, "GET /api/lastest/comment/{id}/", magpieURI("comment", c.ID), u.auth, nil, http.StatusOK, nil)
}

func (st *magpieState) places(ctx context.Context, w *mixWorker) error {
	auth := st.citizen(w).auth
	calls := [][2]string{
		{"GET /api/lastest/area/", "/api/lastest/area/?kind=village"},
		{"GET /api/lastest/area/{id}/", magpieURI("area", st.villages[w.Rnd.IntN(len(st.villages))])},
		{"GET /api/lastest/cluster/", "/api/lastest/cluster/"},
		{"GET /api/lastest/cluster/{id}/", magpieURI("cluster", st.cluster)},
	}
	c := calls[w.Rnd.IntN(len(calls))]
	return w.Call(ctx, c[0], c[1], auth, nil, http.StatusOK, nil)
}

func (st *magpieState) options(ctx context.Context, w *mixWorker) error {
	auth := st.citizen(w).auth
	calls := [][2]string{
		{"GET /api/lastest/ho600_lib/option/", "/api/lastest/ho600_lib/option/?swarm=ticket-status"},
		{"GET /api/lastest/ho600_lib/option/{id}/", magpieURI("ho600_lib/option", int64(1+w.Rnd.IntN(4)))},
		{"GET /api/lastest/domain/", "/api/lastest/domain/"},
		{"GET /api/lastest/domain/{id}/", magpieURI("domain", 1)},
	}
	c := calls[w.Rnd.IntN(len(calls))]
	return w.Call(ctx, c[0], c[1], auth, nil, http.StatusOK, nil)
}

func (st *magpieState) me(ctx context.Context, w *mixWorker) error {
	u := st.citizen(w)
	if err := w.Call(ctx, "GET /api/lastest/auth/user/", "/api/lastest/auth/user/", u.auth, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /api/lastest/auth/user/{id}/", magpieURI("auth/user", u.id), u.auth, nil, http.StatusOK, nil); err != nil {
		return err
	}
	chief := st.chiefs[w.Rnd.IntN(len(st.chiefs))]
	return w.Call(ctx, "GET /api/lastest/role/", "/api/lastest/role/", chief.auth, nil, http.StatusOK, nil)
}

func (st *magpieState) comment(ctx context.Context, w *mixWorker) error {
	return w.Call(ctx, "POST /api/lastest/comment/", "/api/lastest/comment/", st.citizen(w).auth, map[string]any{
		"ticket": magpieURI("ticket", st.someTicket(w)), "content": w.Unique("什麼時候修？"),
	}, http.StatusCreated, nil)
}

// report: a new ticket, corrected by its creator while it is new.
func (st *magpieState) report(ctx context.Context, w *mixWorker) error {
	u := st.citizen(w)
	var out struct {
		ID int64 `json:"id"`
	}
	if err := w.Call(ctx, "POST /api/lastest/ticket/", "/api/lastest/ticket/", u.auth, magpieTicketBody(u, w.Unique("水溝堵塞")), http.StatusCreated, &out); err != nil {
		return err
	}
	return w.Call(ctx, "PATCH /api/lastest/ticket/{id}/", magpieURI("ticket", out.ID), u.auth, map[string]any{"content": "大雨後水溝堵塞，積水到腳踝"}, http.StatusAccepted, nil)
}

// takeUp: a village chief takes a new ticket of their village up.
func (st *magpieState) takeUp(ctx context.Context, w *mixWorker) error {
	u := st.citizen(w)
	id, err := magpieTicket(ctx, w.C, u, w.Unique("路樹倒塌"))
	if err != nil {
		return err
	}
	var chief *magpieUser
	for _, c := range st.chiefs {
		if c.village == u.village {
			chief = c
		}
	}
	return w.Call(ctx, "PATCH /api/lastest/ticket/{id}/", magpieURI("ticket", id), chief.auth, map[string]any{"status": magpieURI("ho600_lib/option", 2)}, http.StatusAccepted, nil)
}

// newUser: the app's first start on a new phone, and the user's own
// details corrected.
func (st *magpieState) newUser(ctx context.Context, w *mixWorker) error {
	var a magpieAccount
	if err := w.Call(ctx, "POST /api/lastest/auth/user/", "/api/lastest/auth/user/", "", magpieSignup(w.Unique("n")), http.StatusCreated, &a); err != nil {
		return err
	}
	u := a.user()
	return w.Call(ctx, "PATCH /api/lastest/auth/user/{id}/", magpieURI("auth/user", u.id), u.auth, map[string]any{"first_name": "小明"}, http.StatusAccepted, nil)
}

// administer: an administrator adds a village and renames it, adds a
// cluster, and gives a role and withdraws it.
func (st *magpieState) administer(ctx context.Context, w *mixWorker) error {
	var v struct {
		ID int64 `json:"id"`
	}
	if err := w.Call(ctx, "POST /api/lastest/area/", "/api/lastest/area/", st.admin, map[string]any{
		"name": w.Unique("新里"), "kind": "village", "parent": magpieURI("area", st.areas[0]),
	}, http.StatusCreated, &v); err != nil {
		return err
	}
	if err := w.Call(ctx, "PATCH /api/lastest/area/{id}/", magpieURI("area", v.ID), st.admin, map[string]any{"name": w.Unique("新里")}, http.StatusAccepted, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/lastest/cluster/", "/api/lastest/cluster/", st.admin, map[string]any{"name": w.Unique("Cluster ")}, http.StatusCreated, nil); err != nil {
		return err
	}
	u := st.citizen(w)
	var role struct {
		ID int64 `json:"id"`
	}
	op := "POST /api/lastest/role/" // the seed's PATCH of the list, or a POST: the same
	if w.Rnd.IntN(2) == 0 {
		op = "PATCH /api/lastest/role/"
	}
	if err := w.Call(ctx, op, "/api/lastest/role/", st.admin, map[string]any{
		"user": magpieURI("auth/user", u.id), "casting": "村里幹事", "area": magpieURI("area", v.ID),
	}, http.StatusCreated, &role); err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /api/lastest/role/{id}/", magpieURI("role", role.ID), st.admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "PATCH /api/lastest/role/{id}/", magpieURI("role", role.ID), st.admin, map[string]any{"is_active": false}, http.StatusAccepted, nil)
}

// reportWithPhoto: a new ticket with a photo, as the app sends one: the
// ticket announces the file, the app uploads it to the signed URL the
// answer gives (the server's own on the default disk storage; that PUT is
// storage, not an API operation, and is not timed), says it is done, and
// reads the file back.
func (st *magpieState) reportWithPhoto(ctx context.Context, w *mixWorker) error {
	u := st.citizen(w)
	body := magpieTicketBody(u, w.Unique("路面坑洞"))
	body["pictures"] = []any{map[string]any{"ext": "jpg"}}
	var tk struct {
		Pictures []struct {
			URI    string `json:"resource_uri"`
			Upload string `json:"authentication_absolute_url"`
		} `json:"pictures"`
	}
	if err := w.Call(ctx, "POST /api/lastest/ticket/", "/api/lastest/ticket/", u.auth, body, http.StatusCreated, &tk); err != nil {
		return err
	}
	if len(tk.Pictures) != 1 {
		return fmt.Errorf("a ticket with a photo answered %d pictures", len(tk.Pictures))
	}
	pic := tk.Pictures[0]
	if err := putSigned(ctx, w.C, pic.Upload, st.photo); err != nil {
		return err
	}
	if err := w.Call(ctx, "PATCH /api/lastest/file/{id}/", pic.URI, u.auth, map[string]any{"save_done": true}, http.StatusAccepted, nil); err != nil {
		return err
	}
	return w.Call(ctx, "GET /api/lastest/file/{id}/", pic.URI, u.auth, nil, http.StatusOK, nil)
}

// putSigned uploads data to a signed URL.
func putSigned(ctx context.Context, c *client, url string, data []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("upload: status %d: %.200s", resp.StatusCode, b)
	}
	return nil
}
