package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"
)

// The actions of 001's part of the mixed workload (10).

// hhuActions are the day's actions with their weights (see hhuMix).
func hhuActions(st *hhuState) []mixAction {
	act := func(name string, weight float64, run func(context.Context, *mixWorker, *hhuWorker) error) mixAction {
		return mixAction{Name: name, Weight: weight, Run: func(ctx context.Context, w *mixWorker) error {
			hw, err := st.worker(ctx, w.ID)
			if err != nil {
				return err
			}
			return run(ctx, w, hw)
		}}
	}
	return []mixAction{
		// A teacher's reads.
		act("address book", 80, st.addressBook),
		act("room availability", 60, st.availability),
		act("my reservations", 60, st.myReservations),
		act("activities", 60, st.activities),
		act("me", 50, st.me),
		act("guides", 40, st.guides),
		act("my enrollments and clock-ins", 25, st.myEnrollments),
		act("my repairs", 15, st.myRepairs),
		act("download a guide", 15, st.downloadGuide),
		act("departments", 10, st.departments),
		// A teacher's writes.
		act("book and cancel a room", 25, st.bookAndCancel),
		act("enrol and withdraw", 10, st.enrolAndWithdraw),
		act("clock in", 8, st.clockIn),
		act("edit my entry", 6, st.editMe),
		act("request a repair", 5, st.requestRepair),
		act("add and remove a colleague", 5, st.colleague),
		act("e-mail a guide", 3, st.emailGuide),
		act("log in", 2, st.login),
		// The back office.
		act("reservation conflicts", 6, st.conflicts),
		act("enrollment records", 5, st.enrollmentRecords),
		act("repairs back office", 5, st.repairsOffice),
		act("members", 4, st.members),
		act("move and cancel a booking", 4, st.moveBooking),
		act("clock-in staff and display", 2, st.clockinStaff),
		act("clock-in items", 2, st.clockinItems),
		act("place and dismiss a member", 1, st.placeMember),
		act("activity", 1, st.activityCRUD),
		act("guide", 1, st.guideCRUD),
		act("department", 1, st.namedCRUD("/api/admin/hhu/departments/")),
		act("guide category", 1, st.namedCRUD("/api/admin/hhu/guides/categories/")),
		act("repair category", 1, st.namedCRUD("/api/admin/hhu/repairs/categories/")),
		act("meeting room", 1, st.roomCRUD),
		act("notified address", 1, st.addressCRUD),
	}
}

// hhuCall calls op with its path filled from args (hhuPath).
func hhuCall(ctx context.Context, w *mixWorker, op, auth string, body any, want int, out any, args ...any) error {
	return w.Call(ctx, op, hhuPath(op, args...), auth, body, want, out)
}

// hhuGets calls each GET op (without parameters) in turn, wanting 200.
func hhuGets(ctx context.Context, w *mixWorker, auth string, ops ...string) error {
	for _, op := range ops {
		if err := w.Call(ctx, op, hhuPath(op), auth, nil, http.StatusOK, nil); err != nil {
			return err
		}
	}
	return nil
}

// hhuID is an answer's id.
type hhuID struct {
	ID int64 `json:"id"`
}

// crud creates a row at base (POST base), reads it, replaces it (PUT),
// edits it (PATCH) and removes it (DELETE base{id}/), as the admin; args
// fill base's parameters before {id}.
func (st *hhuState) crud(ctx context.Context, w *mixWorker, base string, create, put, patch any, args ...any) error {
	var row hhuID
	if err := hhuCall(ctx, w, "POST "+base, st.admin, create, http.StatusCreated, &row, args...); err != nil {
		return err
	}
	one := base + "{id}/"
	idArgs := append(append([]any{}, args...), row.ID)
	for _, step := range []struct {
		method string
		body   any
	}{{"GET", nil}, {"PUT", put}, {"PATCH", patch}} {
		if err := hhuCall(ctx, w, step.method+" "+one, st.admin, step.body, http.StatusOK, nil, idArgs...); err != nil {
			return err
		}
	}
	return hhuCall(ctx, w, "DELETE "+one, st.admin, nil, http.StatusNoContent, nil, idArgs...)
}

// namedCRUD is an admin's change to a list of named rows: the list, then a
// row added, read, renamed twice and removed.
func (st *hhuState) namedCRUD(base string) func(context.Context, *mixWorker, *hhuWorker) error {
	return func(ctx context.Context, w *mixWorker, _ *hhuWorker) error {
		if err := hhuCall(ctx, w, "GET "+base, st.admin, nil, http.StatusOK, nil); err != nil {
			return err
		}
		name := func() map[string]any { return map[string]any{"name": w.Unique("名")} }
		return st.crud(ctx, w, base, name(), name(), name())
	}
}

func (st *hhuState) addressBook(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	q := [...]string{"", "?my=yes", "?search=hhu", "?page=2"}[w.Rnd.IntN(4)]
	return hhuCall(ctx, w, "GET /contacts/", hw.user.Token, nil, http.StatusOK, nil, q)
}

func (st *hhuState) availability(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	q := "?" + hhuWindow(1+w.Rnd.IntN(14))
	if w.Rnd.IntN(2) == 0 {
		q += "&length=60&people_count=4"
	}
	return hhuCall(ctx, w, "GET /meetingrooms/available/", hw.user.Token, nil, http.StatusOK, nil, q)
}

func (st *hhuState) myReservations(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	if err := hhuGets(ctx, w, hw.user.Token, "GET /reservations/", "GET /meetingrooms/"); err != nil {
		return err
	}
	return hhuCall(ctx, w, "GET /reservations/{id}/", hw.user.Token, nil, http.StatusOK, nil, hw.kept[w.Rnd.IntN(len(hw.kept))])
}

func (st *hhuState) activities(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	q := [...]string{"", "?my=yes", "?search=讲座"}[w.Rnd.IntN(3)]
	if err := hhuCall(ctx, w, "GET /activities/", hw.user.Token, nil, http.StatusOK, nil, q); err != nil {
		return err
	}
	return hhuCall(ctx, w, "GET /activities/{id}/", hw.user.Token, nil, http.StatusOK, nil, st.lectures[w.Rnd.IntN(len(st.lectures))])
}

func (st *hhuState) me(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	return hhuGets(ctx, w, hw.user.Token, "GET /current-user/", "GET /current-user/meta/")
}

func (st *hhuState) guides(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	if err := hhuCall(ctx, w, "GET /guides/categories/", hw.user.Token, nil, http.StatusOK, nil); err != nil {
		return err
	}
	q := [...]string{"", fmt.Sprintf("?category=%d", st.guideCat)}[w.Rnd.IntN(2)]
	return hhuCall(ctx, w, "GET /guides/", hw.user.Token, nil, http.StatusOK, nil, q)
}

func (st *hhuState) myEnrollments(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	if err := hhuCall(ctx, w, "GET /enrollments/", hw.user.Token, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return hhuCall(ctx, w, "GET /activities/clockins/{activity}/", hw.user.Token, nil, http.StatusOK, nil, st.clock)
}

func (st *hhuState) myRepairs(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	if err := hhuGets(ctx, w, hw.user.Token, "GET /repairs/", "GET /repairs/categories/"); err != nil {
		return err
	}
	return hhuCall(ctx, w, "GET /repairs/{id}/", hw.user.Token, nil, http.StatusOK, nil, hw.repairID)
}

func (st *hhuState) downloadGuide(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	return hhuCall(ctx, w, "GET /guides/{id}/", hw.user.Token, nil, http.StatusOK, nil, st.guide)
}

func (st *hhuState) departments(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	return hhuCall(ctx, w, "GET /departments/", hw.user.Token, nil, http.StatusOK, nil)
}

// book reserves the worker's room for an hour, as the worker's user: ten
// hours a day (8:00 to 18:00, moves end by 21:00) on the days 10 to 69
// days ahead, one after another, so that a booking left behind by an
// interrupted action is not met again for 600 bookings (the kept ones are
// 1 to 3 days ahead).
func (st *hhuState) book(ctx context.Context, w *mixWorker, hw *hhuWorker) (int64, error) {
	hw.slot++
	from := hhuDay(10 + hw.slot/10%60).Add(time.Duration(8+hw.slot%10) * time.Hour)
	var r hhuID
	err := hhuCall(ctx, w, "POST /reservations/", hw.user.Token, hhuBooking(hw.room, from, time.Hour), http.StatusCreated, &r)
	return r.ID, err
}

func (st *hhuState) bookAndCancel(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	id, err := st.book(ctx, w, hw)
	if err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "GET /reservations/{id}/", hw.user.Token, nil, http.StatusOK, nil, id); err != nil {
		return err
	}
	return hhuCall(ctx, w, "DELETE /reservations/{id}/", hw.user.Token, nil, http.StatusNoContent, nil, id)
}

func (st *hhuState) enrolAndWithdraw(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	var e hhuID
	if err := hhuCall(ctx, w, "POST /enrollments/", hw.user.Token, hhuEnrollment(st.lectures[w.Rnd.IntN(len(st.lectures))]), http.StatusCreated, &e); err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "GET /enrollments/{id}/", hw.user.Token, nil, http.StatusOK, nil, e.ID); err != nil {
		return err
	}
	return hhuCall(ctx, w, "DELETE /enrollments/{id}/", hw.user.Token, nil, http.StatusNoContent, nil, e.ID)
}

// item returns the shared clock-in item at index i, the admin opening it
// (a recorded call) when nobody has yet: one item serves every worker.
func (st *hhuState) item(ctx context.Context, w *mixWorker, i int) (int64, error) {
	st.mu.Lock()
	if i < len(st.items) {
		id := st.items[i]
		st.mu.Unlock()
		return id, nil
	}
	st.mu.Unlock()
	var item hhuID
	if err := hhuCall(ctx, w, "POST /api/admin/hhu/activities/{activity}/clockin-items/", st.admin, hhuItem(w.Unique("签到")), http.StatusCreated, &item, st.clock); err != nil {
		return 0, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.items = append(st.items, item.ID)
	// Another worker may have opened item i meanwhile: this one is then
	// a later one, which the worker reaches in turn.
	return st.items[i], nil
}

// clockIn: the display shows an item's QR code (the staff's screen polls
// it) and the user scans it, through the mini-program's key route or the
// item route, at the next shared item they have not clocked in at.
func (st *hhuState) clockIn(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	item, err := st.item(ctx, w, hw.clocked)
	if err != nil {
		return err
	}
	var qr struct {
		Code string `json:"code"`
	}
	if err := hhuCall(ctx, w, "GET /activities/clockins/{activity}/qr/", st.admin, nil, http.StatusOK, &qr, st.clock, fmt.Sprintf("?item=%d", item)); err != nil {
		return err
	}
	if w.Rnd.IntN(2) == 0 {
		err = hhuCall(ctx, w, "POST /activities/clockins/", hw.user.Token, map[string]any{"key": qr.Code}, http.StatusCreated, nil)
	} else {
		err = hhuCall(ctx, w, "POST /activities/clockins/{activity}/", hw.user.Token, map[string]any{"item": item, "code": qr.Code}, http.StatusCreated, nil, st.clock)
	}
	if err == nil {
		hw.clocked++
	}
	return err
}

func (st *hhuState) editMe(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	meta := map[string]any{"name": "张三", "position": "教授", "department": "计信院", "qq": "10001", "phone": "025-83787000", "mobile": "13800000000"}
	if err := hhuCall(ctx, w, "PUT /current-user/meta/", hw.user.Token, meta, http.StatusOK, nil); err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "PATCH /current-user/meta/", hw.user.Token, map[string]any{"position": "副教授"}, http.StatusOK, nil); err != nil {
		return err
	}
	return hhuCall(ctx, w, "PUT /current-user/", hw.user.Token, map[string]any{"first_name": "三", "last_name": "张",
		"email": hw.user.Name + "@example.com", "department": st.dept}, http.StatusOK, nil)
}

func (st *hhuState) requestRepair(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	return hhuCall(ctx, w, "POST /repairs/", hw.user.Token, hhuRepair(st.repairCat), http.StatusCreated, nil)
}

// colleague adds the next preset worker's user as a colleague and removes
// them again.
func (st *hhuState) colleague(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	other, err := st.worker(ctx, (w.ID+1)%hhuPresetWorkers)
	if err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "POST /friends/{id}/", hw.user.Token, nil, http.StatusCreated, nil, other.user.ID); err != nil {
		return err
	}
	return hhuCall(ctx, w, "DELETE /friends/{id}/", hw.user.Token, nil, http.StatusNoContent, nil, other.user.ID)
}

// emailGuide has the guide mailed to the user; past 001's limit of 10 a
// user an hour (a 429), the user downloads it instead, as they would.
func (st *hhuState) emailGuide(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	now := time.Now()
	for len(hw.mailed) > 0 && now.Sub(hw.mailed[0]) > time.Hour+time.Minute {
		hw.mailed = hw.mailed[1:]
	}
	if len(hw.mailed) >= hhuMailsPerHour {
		return st.downloadGuide(ctx, w, hw)
	}
	hw.mailed = append(hw.mailed, now)
	return hhuCall(ctx, w, "POST /guides/{id}/email/", hw.user.Token, nil, http.StatusOK, nil, st.guide)
}

// hhuMailsPerHour is how many guide e-mails 001 sends a user in an hour.
const hhuMailsPerHour = 10

func (st *hhuState) login(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	return hhuCall(ctx, w, "POST /auth/get-token/", "", map[string]string{"username": hw.user.Name, "password": hw.user.Password}, http.StatusOK, nil)
}

func (st *hhuState) conflicts(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	q := "?" + hhuWindow(1+w.Rnd.IntN(3))
	if w.Rnd.IntN(2) == 0 {
		q += fmt.Sprintf("&meetingroom=%d", hw.room)
	}
	return hhuCall(ctx, w, "GET /api/admin/hhu/reservations/conflicts/", st.admin, nil, http.StatusOK, nil, q)
}

func (st *hhuState) enrollmentRecords(ctx context.Context, w *mixWorker, _ *hhuWorker) error {
	if err := hhuCall(ctx, w, "GET /api/admin/hhu/activities/", st.admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return hhuCall(ctx, w, "GET /api/admin/hhu/activities/{id}/enrollments/", st.admin, nil, http.StatusOK, nil, st.clock)
}

func (st *hhuState) repairsOffice(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	if err := hhuCall(ctx, w, "GET /api/admin/hhu/repairs/", st.admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "GET /api/admin/hhu/repairs/{id}/", st.admin, nil, http.StatusOK, nil, hw.repairID); err != nil {
		return err
	}
	status := [...]string{"processing", "resolved", "pending"}[w.Rnd.IntN(3)]
	return hhuCall(ctx, w, "PATCH /api/admin/hhu/repairs/{id}/", st.admin, map[string]any{"status": status}, http.StatusOK, nil, hw.repairID)
}

func (st *hhuState) members(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	if err := hhuCall(ctx, w, "GET /api/admin/hhu/members/", st.admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return hhuCall(ctx, w, "GET /api/admin/hhu/members/{user}/", st.admin, nil, http.StatusOK, nil, hw.user.ID)
}

// moveBooking: the user books; an admin reads the booking, moves it an
// hour later (PATCH), back to its room at another hour (PUT) and cancels it.
func (st *hhuState) moveBooking(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	id, err := st.book(ctx, w, hw)
	if err != nil {
		return err
	}
	const one = "/api/admin/hhu/reservations/{id}/"
	var r struct {
		From string `json:"reserve_from"`
	}
	if err := hhuCall(ctx, w, "GET "+one, st.admin, nil, http.StatusOK, &r, id); err != nil {
		return err
	}
	from, err := time.Parse(time.RFC3339, r.From)
	if err != nil {
		return fmt.Errorf("hhu: reservation %d: %w", id, err)
	}
	moved := map[string]any{"reserve_from": hhuISO(from.Add(time.Hour)), "reserve_to": hhuISO(from.Add(2 * time.Hour)), "reason": "换时间"}
	if err := hhuCall(ctx, w, "PATCH "+one, st.admin, moved, http.StatusOK, nil, id); err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "PUT "+one, st.admin, hhuBooking(hw.room, from.Add(2*time.Hour), time.Hour), http.StatusOK, nil, id); err != nil {
		return err
	}
	return hhuCall(ctx, w, "DELETE "+one, st.admin, map[string]any{"reason": "会议取消"}, http.StatusNoContent, nil, id)
}

// clockinStaff: an admin makes the worker's user staff of the clock-in
// activity; they open the display page of its first item; the admin lists
// the staff and unassigns them.
func (st *hhuState) clockinStaff(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	const staff = "/api/admin/hhu/activities/{activity}/clockin-staff/"
	if err := hhuCall(ctx, w, "POST "+staff, st.admin, map[string]any{"user": hw.user.ID}, http.StatusCreated, nil, st.clock); err != nil {
		return err
	}
	item, err := st.item(ctx, w, 0)
	if err != nil {
		return err
	}
	var link struct {
		Path string `json:"path"`
	}
	if err := hhuCall(ctx, w, "GET /activities/clockins/{activity}/display-link/", hw.user.Token, nil, http.StatusOK, &link, st.clock, fmt.Sprintf("?item=%d", item)); err != nil {
		return err
	}
	if err := w.Call(ctx, "GET /activities/clockins/{activity}/display/", link.Path, "", nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "GET "+staff, st.admin, nil, http.StatusOK, nil, st.clock); err != nil {
		return err
	}
	return hhuCall(ctx, w, "DELETE "+staff+"{user}/", st.admin, nil, http.StatusNoContent, nil, st.clock, hw.user.ID)
}

func (st *hhuState) clockinItems(ctx context.Context, w *mixWorker, _ *hhuWorker) error {
	const items = "/api/admin/hhu/activities/{activity}/clockin-items/"
	if err := hhuCall(ctx, w, "GET "+items, st.admin, nil, http.StatusOK, nil, st.clock); err != nil {
		return err
	}
	return st.crud(ctx, w, items, hhuItem(w.Unique("入场")), hhuItem(w.Unique("离场")), map[string]any{"label": w.Unique("出场")}, st.clock)
}

// placeMember places the worker's spare account on the staff, reads its
// membership and dismisses it.
func (st *hhuState) placeMember(ctx context.Context, w *mixWorker, hw *hhuWorker) error {
	const one = "/api/admin/hhu/members/{user}/"
	if err := hhuCall(ctx, w, "PUT "+one, st.admin, map[string]any{"department": st.dept}, http.StatusCreated, nil, hw.spare.ID); err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "GET "+one, st.admin, nil, http.StatusOK, nil, hw.spare.ID); err != nil {
		return err
	}
	return hhuCall(ctx, w, "DELETE "+one, st.admin, nil, http.StatusNoContent, nil, hw.spare.ID)
}

func (st *hhuState) activityCRUD(ctx context.Context, w *mixWorker, _ *hhuWorker) error {
	return st.crud(ctx, w, "/api/admin/hhu/activities/", hhuActivity(w.Unique("讲座")), hhuActivity(w.Unique("讲座")),
		map[string]any{"title": w.Unique("讲座")})
}

func (st *hhuState) roomCRUD(ctx context.Context, w *mixWorker, _ *hhuWorker) error {
	if err := hhuCall(ctx, w, "GET /api/admin/hhu/meetingrooms/", st.admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	return st.crud(ctx, w, "/api/admin/hhu/meetingrooms/", hhuRoom(w.Unique("B"), 12), hhuRoom(w.Unique("B"), 16), map[string]any{"seats": 20})
}

func (st *hhuState) addressCRUD(ctx context.Context, w *mixWorker, _ *hhuWorker) error {
	if err := hhuCall(ctx, w, "GET /api/admin/hhu/repairs/addresses/", st.admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	mail := func() string { return w.Unique("it") + "@example.com" }
	return st.crud(ctx, w, "/api/admin/hhu/repairs/addresses/", map[string]any{"email": mail(), "categories": []int64{st.repairCat}},
		map[string]any{"email": mail()}, map[string]any{"categories": []int64{st.repairCat}})
}

// guideCRUD: an admin lists the guides, uploads one, reads it, replaces it
// with a new file (PUT, multipart), renames it (PATCH, JSON) and removes it.
func (st *hhuState) guideCRUD(ctx context.Context, w *mixWorker, _ *hhuWorker) error {
	const base, one = "/api/admin/hhu/guides/", "/api/admin/hhu/guides/{id}/"
	if err := hhuCall(ctx, w, "GET "+base, st.admin, nil, http.StatusOK, nil, fmt.Sprintf("?category=%d", st.guideCat)); err != nil {
		return err
	}
	a, err := st.upload(ctx, w, "POST "+base, http.StatusCreated, w.Unique("指南"))
	if err != nil {
		return err
	}
	var g hhuID
	if err := decodeAnswer(a.Body, &g); err != nil {
		return fmt.Errorf("hhu: uploaded guide: %w", err)
	}
	if err := hhuCall(ctx, w, "GET "+one, st.admin, nil, http.StatusOK, nil, g.ID); err != nil {
		return err
	}
	if _, err := st.upload(ctx, w, "PUT "+one, http.StatusOK, w.Unique("指南"), g.ID); err != nil {
		return err
	}
	if err := hhuCall(ctx, w, "PATCH "+one, st.admin, map[string]any{"title": w.Unique("指南")}, http.StatusOK, nil, g.ID); err != nil {
		return err
	}
	return hhuCall(ctx, w, "DELETE "+one, st.admin, nil, http.StatusNoContent, nil, g.ID)
}

// upload sends a guide's multipart form (title, category, a PDF) to op as
// the admin; args fill op's path.
func (st *hhuState) upload(ctx context.Context, w *mixWorker, op string, want int, title string, args ...any) (answer, error) {
	body, ctype := hhuGuideForm(title, st.guideCat, true)
	return w.Send(ctx, op, hhuPath(op, args...), st.admin, http.Header{"Content-Type": {ctype}}, bytes.NewReader(body), want)
}
