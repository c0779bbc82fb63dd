package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// hhuZone is 001's time zone (China Standard Time, UTC+8): reservations
// end by the next midnight there.
func hhuZone() *time.Location { return time.FixedZone("CST", 8*3600) }

// hhuPresetWorkers is how many workers' accounts Setup makes ahead (the
// default -mixed-clients); a worker beyond them makes its own on its
// first action.
const hhuPresetWorkers = 16

// hhuLectures is how many activities the term has besides the clock-in
// one: the activity list has two pages.
const hhuLectures = 24

// hhuColleagues is how many more members of the staff Setup registers, so
// that the address book has pages (20 a page): a department's worth in
// -short (two pages), a small college otherwise.
func hhuColleagues(short bool) int {
	if short {
		return 24
	}
	return 300
}

// hhuMix is the teachers' services' (001, the WeChat mini-program) part of
// the mixed workload (10). The assumed day of a college's staff: teachers
// open the mini-program mostly to read — the address book, the meeting
// rooms' availability and their own bookings, the activities and the
// service guides — and now and then book (and cancel) a room, enrol in an
// activity, scan a clock-in code, ask for a repair or edit their
// address-book entry; logging in again is rare (the token slides). A few
// administrators page through the back office (reservation conflicts,
// enrollment records, repair requests, members) and now and then move or
// cancel a booking, change a repair's status, put up a guide or an
// activity with its clock-in items; the named lists (departments, guide
// and repair categories, rooms, notified addresses) change rarely.
func hhuMix(share float64) *mixAPI {
	st := &hhuState{}
	return &mixAPI{
		Name:    "hhu",
		Share:   share,
		Setup:   st.setup,
		Actions: hhuActions(st),
	}
}

// hhuState is the fixture: the administrator's token, the shared rows the
// reads need, and every worker's own accounts, room and bookings.
type hhuState struct {
	c     *client
	tag   string
	admin string // "Token <key>" of the administrator
	dept  int64  // the staff's department
	// lectures are the term's activities, which workers enrol in and
	// withdraw from; clock is one every worker's user is enrolled in.
	lectures  []int64
	clock     int64
	repairCat int64
	guideCat  int64
	guide     int64 // a guide that stays (downloads, e-mail)
	mu        sync.Mutex
	workers   map[int]*hhuWorker
	// items are the clock activity's clock-in items, shared by the
	// workers: each user clocks in once at each, in order.
	items []int64
}

// hhuWorker is one worker's own objects, so that its writes never race
// another worker's.
type hhuWorker struct {
	user     hhuAccount  // a member of the staff
	spare    hhuAccount  // an account the admin places on the staff and dismisses
	room     int64       // the worker's own meeting room
	slot     int         // counts the worker's bookings, to spread them over days
	clocked  int         // how many of the shared clock-in items the user clocked in at
	mailed   []time.Time // when the user had a guide mailed, in the last hour
	kept     []int64     // bookings that stay (my reservations)
	repairID int64       // a repair request of the user's
}

// hhuAccount is a registered account with 001's token.
type hhuAccount struct {
	ID             int64
	Name, Password string
	Token          string // "Token <key>"
}

// setup makes the administrator's token, the shared rows and the preset
// workers' objects.
func (st *hhuState) setup(ctx context.Context, m *mixEnv) error {
	st.c, st.tag, st.workers = m.C, m.Tag, map[int]*hhuWorker{}
	var err error
	if st.admin, err = hhuToken(ctx, m.C, adminUser, adminPass); err != nil {
		return err
	}
	if st.dept, err = st.create(ctx, "/api/admin/hhu/departments/", map[string]any{"name": "教职工" + m.Tag}); err != nil {
		return err
	}
	for i := range hhuLectures {
		id, err := st.create(ctx, "/api/admin/hhu/activities/", hhuActivity(fmt.Sprintf("学术讲座%s_%d", m.Tag, i)))
		if err != nil {
			return err
		}
		st.lectures = append(st.lectures, id)
	}
	if st.clock, err = st.create(ctx, "/api/admin/hhu/activities/", hhuActivity("打卡活动"+m.Tag)); err != nil {
		return err
	}
	if st.repairCat, err = st.create(ctx, "/api/admin/hhu/repairs/categories/", map[string]any{"name": "网络" + m.Tag}); err != nil {
		return err
	}
	if _, err = st.create(ctx, "/api/admin/hhu/repairs/addresses/", map[string]any{"email": "it" + m.Tag + "@example.com"}); err != nil {
		return err
	}
	if st.guideCat, err = st.create(ctx, "/api/admin/hhu/guides/categories/", map[string]any{"name": "表格" + m.Tag}); err != nil {
		return err
	}
	if st.guide, err = st.uploadGuide(ctx, "报销单"+m.Tag); err != nil {
		return err
	}
	for i := range hhuPresetWorkers {
		if _, err := st.worker(ctx, i); err != nil {
			return err
		}
	}
	return st.colleagues(ctx, hhuColleagues(m.Short))
}

// colleagues registers n accounts and places them on the staff, four at a
// time.
func (st *hhuState) colleagues(ctx context.Context, n int) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i := range n {
		g.Go(func() error {
			id, err := st.register(gctx, fmt.Sprintf("hhucol%s_%d", st.tag, i))
			if err != nil {
				return err
			}
			return st.place(gctx, id)
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("hhu set-up: colleagues: %w", err)
	}
	return nil
}

// place places the account on the staff, in the staff's department.
func (st *hhuState) place(ctx context.Context, user int64) error {
	return st.c.call(ctx, http.MethodPut, fmt.Sprintf("/api/admin/hhu/members/%d/", user), st.admin,
		map[string]any{"department": st.dept}, http.StatusCreated, nil)
}

// create posts body to an admin list route and returns the new row's id.
func (st *hhuState) create(ctx context.Context, path string, body any) (int64, error) {
	var out struct{ ID int64 }
	if err := st.c.call(ctx, http.MethodPost, path, st.admin, body, http.StatusCreated, &out); err != nil {
		return 0, fmt.Errorf("hhu set-up: %w", err)
	}
	return out.ID, nil
}

// uploadGuide uploads a guide into the shared category as the set-up.
func (st *hhuState) uploadGuide(ctx context.Context, title string) (int64, error) {
	body, ctype := hhuGuideForm(title, st.guideCat, true)
	a, err := hhuSendRaw(ctx, st.c, http.MethodPost, "/api/admin/hhu/guides/", st.admin, ctype, body)
	if err != nil {
		return 0, fmt.Errorf("hhu set-up: upload guide: %w", err)
	}
	if a.Status != http.StatusCreated {
		return 0, fmt.Errorf("hhu set-up: upload guide: status %d: %.300s", a.Status, a.Body)
	}
	var out struct{ ID int64 }
	return out.ID, decodeAnswer(a.Body, &out)
}

// worker returns worker i's objects, making them on first use.
func (st *hhuState) worker(ctx context.Context, i int) (*hhuWorker, error) {
	st.mu.Lock()
	hw := st.workers[i]
	st.mu.Unlock()
	if hw != nil {
		return hw, nil
	}
	hw, err := st.newWorker(ctx, i)
	if err != nil {
		return nil, fmt.Errorf("hhu worker %d: %w", i, err)
	}
	st.mu.Lock()
	st.workers[i] = hw
	st.mu.Unlock()
	return hw, nil
}

// newWorker registers the worker's member and spare account, places the
// member on the staff, enrols them in the clock-in activity, and gives the
// worker a room with a few bookings that stay.
func (st *hhuState) newWorker(ctx context.Context, i int) (*hhuWorker, error) {
	hw := &hhuWorker{}
	var err error
	if hw.user, err = st.account(ctx, fmt.Sprintf("hhu%s_%d", st.tag, i)); err != nil {
		return nil, err
	}
	if hw.spare, err = st.account(ctx, fmt.Sprintf("hhuspare%s_%d", st.tag, i)); err != nil {
		return nil, err
	}
	if err := st.place(ctx, hw.user.ID); err != nil {
		return nil, err
	}
	if err := st.c.call(ctx, http.MethodPost, "/enrollments/", hw.user.Token, hhuEnrollment(st.clock), http.StatusCreated, nil); err != nil {
		return nil, err
	}
	if hw.room, err = st.create(ctx, "/api/admin/hhu/meetingrooms/", hhuRoom(fmt.Sprintf("A%d%s", 100+i, st.tag), 8)); err != nil {
		return nil, err
	}
	for d := 1; d <= 3; d++ {
		var out struct{ ID int64 }
		from := hhuDay(d).Add(9 * time.Hour)
		if err := st.c.call(ctx, http.MethodPost, "/reservations/", hw.user.Token, hhuBooking(hw.room, from, time.Hour), http.StatusCreated, &out); err != nil {
			return nil, err
		}
		hw.kept = append(hw.kept, out.ID)
	}
	var rep struct{ ID int64 }
	if err := st.c.call(ctx, http.MethodPost, "/repairs/", hw.user.Token, hhuRepair(st.repairCat), http.StatusCreated, &rep); err != nil {
		return nil, err
	}
	hw.repairID = rep.ID
	return hw, nil
}

// hhuPassword is the password of the bench's account name.
func hhuPassword(name string) string { return "pw-" + name + "-Secret" }

// register registers an account (the accounts are shared by the APIs)
// and returns its id.
func (st *hhuState) register(ctx context.Context, name string) (int64, error) {
	pw := hhuPassword(name)
	var out struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	err := st.c.call(ctx, http.MethodPost, "/api/v1/auth/register/", "", map[string]string{
		"username": name, "email": name + "@example.com", "password": pw, "password_confirm": pw,
	}, http.StatusCreated, &out)
	return out.User.ID, err
}

// account registers an account and logs it in to 001.
func (st *hhuState) account(ctx context.Context, name string) (hhuAccount, error) {
	id, err := st.register(ctx, name)
	if err != nil {
		return hhuAccount{}, err
	}
	pw := hhuPassword(name)
	tok, err := hhuToken(ctx, st.c, name, pw)
	return hhuAccount{ID: id, Name: name, Password: pw, Token: tok}, err
}

// hhuToken logs in through /auth/get-token/ and returns "Token <key>".
func hhuToken(ctx context.Context, c *client, name, pw string) (string, error) {
	var out struct{ Token string }
	if err := c.call(ctx, http.MethodPost, "/auth/get-token/", "", map[string]string{"username": name, "password": pw}, http.StatusOK, &out); err != nil {
		return "", err
	}
	return "Token " + out.Token, nil
}

// hhuSendRaw sends body with its own content type (a multipart form),
// outside the run's records (the set-up).
func hhuSendRaw(ctx context.Context, c *client, method, path, auth, ctype string, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", auth)
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	a.Body, err = io.ReadAll(resp.Body)
	return a, err
}
