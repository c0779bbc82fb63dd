package roomshttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
	"github.com/fiveapis/backend/transport/pgtest"
)

// Integration tests of 001's meeting rooms and reservations through the whole
// server.

func addRoom(t *testing.T, s *apptest.Server, admin string, body map[string]any) int64 {
	t.Helper()
	r := s.Do(t, http.MethodPost, "/api/admin/hhu/meetingrooms/", admin, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("add room: %d %s", r.Status, r.Body)
	}
	var out struct{ ID int64 }
	r.JSON(t, &out)
	return out.ID
}

func TestMeetingRoomsRoundTrip(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	u := s.NewHHUStaff(t)
	user := s.HHUToken(t, u.Username, u.Password)
	other := s.NewHHUStaff(t)
	otherTok := s.HHUToken(t, other.Username, other.Password)
	var big, small, far, gone int64 // rooms
	var first map[string]any        // the user's first reservation
	var id int64                    // its id
	day := apptest.FutureDay(1)
	reserve := func(t *testing.T, auth string, room int64, from, to time.Time) apptest.Response {
		return s.Do(t, "POST", "/reservations/", auth, map[string]any{
			"reserve_from": apptest.ISO(from), "reserve_to": apptest.ISO(to), "description": "组会", "meetingroom": room,
		})
	}
	avail := func(t *testing.T, q url.Values) []map[string]any {
		t.Helper()
		r := s.Do(t, "GET", "/meetingrooms/available/?"+q.Encode(), user, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("available %s: %d %s", q.Encode(), r.Status, r.Body)
		}
		var out []map[string]any
		r.JSON(t, &out)
		return out
	}
	names := func(groups []map[string]any) string {
		var b []string
		for _, g := range groups {
			var rs []string
			for _, r := range g["meetingrooms"].([]any) {
				rs = append(rs, r.(map[string]any)["name"].(string))
			}
			b = append(b, fmt.Sprintf("%s:%s", g["location"], strings.Join(rs, ",")))
		}
		return strings.Join(b, ";")
	}

	// Rooms are admin business.
	t.Run("rooms are admin business", func(t *testing.T) {
		if r := s.Do(t, "POST", "/api/admin/hhu/meetingrooms/", user, map[string]any{"name": "x", "location": "y", "seats": 1}); r.Status != http.StatusForbidden {
			t.Fatalf("non-admin add room: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", "/api/admin/hhu/meetingrooms/", "", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous list: %d %s", r.Status, r.Body)
		}
	})
	t.Run("an admin adds, edits and removes rooms", func(t *testing.T) {
		big = addRoom(t, s, admin, map[string]any{"name": "学术报告厅", "location": "勤学楼", "label": "大", "seats": 80})
		small = addRoom(t, s, admin, map[string]any{"name": "A101", "location": "勤学楼", "label": "小", "seats": "8"})
		far = addRoom(t, s, admin, map[string]any{"name": "B201", "location": "笃学楼", "label": "小", "seats": 10})
		gone = addRoom(t, s, admin, map[string]any{"name": "拆除", "location": "笃学楼", "seats": 10})
		if r := s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/meetingrooms/%d/", small), admin, map[string]any{"seats": 12}); r.Status != http.StatusOK || r.Map(t)["seats"] != float64(12) {
			t.Fatalf("patch: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/meetingrooms/%d/", far), admin, map[string]any{"name": "B202", "location": "笃学楼", "label": "小", "seats": 10}); r.Status != http.StatusOK || r.Map(t)["name"] != "B202" {
			t.Fatalf("put: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/meetingrooms/%d/", gone), admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/meetingrooms/%d/", gone), admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("get deleted: %d %s", r.Status, r.Body)
		}
		var rooms []map[string]any
		s.Do(t, "GET", "/meetingrooms/", user, nil).JSON(t, &rooms)
		if len(rooms) != 3 {
			t.Fatalf("rooms: %v", rooms)
		}
	})

	t.Run("times are floored to half hours", func(t *testing.T) {
		// Times are floored to half hours: 10:10–11:40 books 10:00–11:30.
		r := reserve(t, user, small, day.Add(10*time.Hour+10*time.Minute), day.Add(11*time.Hour+40*time.Minute))
		if r.Status != http.StatusCreated {
			t.Fatalf("reserve: %d %s", r.Status, r.Body)
		}
		first = r.Map(t)
		id = int64(first["id"].(float64))
		if first["reserve_from"] != apptest.ISO(day.Add(10*time.Hour)) || first["reserve_to"] != apptest.ISO(day.Add(11*time.Hour+30*time.Minute)) || first["status"] != "confirmed" {
			t.Fatalf("reservation: %v", first)
		}
		if r.Header.Get("X-Event-Position") == "" {
			t.Errorf("no X-Event-Position")
		}
	})
	t.Run("001's rules, with its messages", func(t *testing.T) {
		// 001's rules, with its messages.
		for _, tc := range []struct {
			name     string
			from, to time.Time
			field    string
			msg      string
		}{
			{"overlap", day.Add(11 * time.Hour), day.Add(12 * time.Hour), "non_field_errors", "该时间段会议室已被预约"},
			{"too long", day.Add(13 * time.Hour), day.Add(16*time.Hour + 30*time.Minute), "reserve_to", "预约时长不能超过3小时"},
			{"too short", day.Add(13 * time.Hour), day.Add(13*time.Hour + 20*time.Minute), "reserve_to", "预约时长不能少于30分钟"},
			{"past", time.Now().Add(-3 * time.Hour), time.Now().Add(-2 * time.Hour), "reserve_to", "预约结束时间必须晚于当前时间"},
			{"spans midnight", day.Add(23 * time.Hour), day.Add(25 * time.Hour), "reserve_to", "预约不能跨天，请分别预约"},
			{"end before start", day.Add(13 * time.Hour), day.Add(12 * time.Hour), "reserve_to", "结束时间必须晚于开始时间"},
		} {
			r := reserve(t, otherTok, small, tc.from, tc.to)
			var body map[string][]string
			r.JSON(t, &body)
			if r.Status != http.StatusBadRequest || len(body[tc.field]) != 1 || body[tc.field][0] != tc.msg {
				t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
			}
		}
	})
	t.Run("touching slots do not conflict", func(t *testing.T) {
		// Touching slots do not conflict.
		if r := reserve(t, otherTok, small, day.Add(11*time.Hour+30*time.Minute), day.Add(12*time.Hour)); r.Status != http.StatusCreated {
			t.Fatalf("touching: %d %s", r.Status, r.Body)
		}
		if r := reserve(t, user, big, day.Add(9*time.Hour), day.Add(10*time.Hour)); r.Status != http.StatusCreated {
			t.Fatalf("big room: %d %s", r.Status, r.Body)
		}
	})

	t.Run("availability without a length: free rooms by location, seats and label", func(t *testing.T) {
		// Availability without a length: rooms free over the whole window,
		// grouped by location, filtered by seats and label.
		got := avail(t, url.Values{"time_from": {apptest.ISO(day.Add(10 * time.Hour))}, "time_to": {apptest.ISO(day.Add(11 * time.Hour))}})
		if n := names(got); n != "勤学楼:学术报告厅;笃学楼:B202" {
			t.Errorf("free 10–11: %s", n)
		}
		got = avail(t, url.Values{"time_from": {apptest.ISO(day.Add(10 * time.Hour))}, "time_to": {apptest.ISO(day.Add(11 * time.Hour))}, "people_count": {"20"}})
		if n := names(got); n != "勤学楼:学术报告厅" {
			t.Errorf("free 10–11 for 20: %s", n)
		}
		got = avail(t, url.Values{"time_from": {apptest.ISO(day.Add(10 * time.Hour))}, "time_to": {apptest.ISO(day.Add(11 * time.Hour))}, "label": {"小"}, "location": {"笃学楼"}})
		if n := names(got); n != "笃学楼:B202" {
			t.Errorf("free 10–11 小 笃学楼: %s", n)
		}
	})
	t.Run("availability with a length: the free slots of each room", func(t *testing.T) {
		// With a length: every free hour between 9:00 and 13:00 in A101, which
		// is booked 10:00–12:00; the room lists its reservations in the window.
		got := avail(t, url.Values{"time_from": {apptest.ISO(day.Add(9 * time.Hour))}, "time_to": {apptest.ISO(day.Add(13 * time.Hour))}, "length": {"60"}, "label": {"小"}, "location": {"勤学楼"}})
		if len(got) != 1 {
			t.Fatalf("slots: %v", got)
		}
		a101 := got[0]["meetingrooms"].([]any)[0].(map[string]any)
		var slots []string
		for _, sl := range a101["available_times"].([]any) {
			m := sl.(map[string]any)
			slots = append(slots, m["time_from"].(string)[11:16]+"-"+m["time_to"].(string)[11:16])
		}
		if got, want := strings.Join(slots, " "), "09:00-10:00 12:00-13:00"; got != want {
			t.Errorf("slots = %s, want %s", got, want)
		}
		if n := len(a101["reservations"].([]any)); n != 2 {
			t.Errorf("reservations in window: %d", n)
		}
	})

	t.Run("my reservations: not ended, mine only", func(t *testing.T) {
		// My reservations: not ended, mine only.
		var mine []map[string]any
		s.Do(t, "GET", "/reservations/", user, nil).JSON(t, &mine)
		if len(mine) != 2 || mine[0]["meetingroom"] != float64(big) || mine[1]["id"] != first["id"] {
			t.Fatalf("mine: %v", mine)
		}
	})
	t.Run("others cannot cancel a reservation", func(t *testing.T) {
		// Others cannot cancel it; its owner can, and the slot is free again.
		if r := s.Do(t, "DELETE", fmt.Sprintf("/reservations/%d/", id), otherTok, nil); r.Status != http.StatusNotFound {
			t.Fatalf("other cancels: %d %s", r.Status, r.Body)
		}
	})
	t.Run("the admin conflict query shows the users' contacts", func(t *testing.T) {
		// The admin conflict query shows both reservations of A101 10:00–12:00
		// with the users' contact details.
		r := s.Do(t, "GET", "/api/admin/hhu/reservations/conflicts/?"+url.Values{
			"time_from": {apptest.ISO(day.Add(11 * time.Hour))}, "time_to": {apptest.ISO(day.Add(12 * time.Hour))}, "meetingroom": {fmt.Sprint(small)},
		}.Encode(), admin, nil)
		var conflicts []map[string]any
		r.JSON(t, &conflicts)
		if r.Status != http.StatusOK || len(conflicts) != 2 {
			t.Fatalf("conflicts: %d %s", r.Status, r.Body)
		}
		if ud := conflicts[0]["user_detail"].(map[string]any); ud["username"] != u.Username || ud["email"] != u.Username+"@example.com" {
			t.Errorf("contact: %v", ud)
		}
		if r := s.Do(t, "GET", "/api/admin/hhu/reservations/conflicts/?time_from=x", user, nil); r.Status != http.StatusForbidden {
			t.Errorf("non-admin conflicts: %d", r.Status)
		}
	})
	t.Run("its owner cancels it, and the slot is free again", func(t *testing.T) {
		if r := s.Do(t, "DELETE", fmt.Sprintf("/reservations/%d/", id), user, nil); r.Status != http.StatusNoContent {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "DELETE", fmt.Sprintf("/reservations/%d/", id), user, nil); r.Status != http.StatusNotFound {
			t.Fatalf("cancel twice: %d %s", r.Status, r.Body)
		}
		var mine []map[string]any
		s.Do(t, "GET", "/reservations/", user, nil).JSON(t, &mine)
		if len(mine) != 1 {
			t.Fatalf("mine after cancel: %v", mine)
		}
		if r := reserve(t, otherTok, small, day.Add(10*time.Hour), day.Add(11*time.Hour)); r.Status != http.StatusCreated {
			t.Fatalf("rebook after cancel: %d %s", r.Status, r.Body)
		}
	})
	t.Run("an admin may cancel anyone's reservation", func(t *testing.T) {
		// An admin may cancel anyone's reservation.
		var theirs []map[string]any
		s.Do(t, "GET", "/reservations/", otherTok, nil).JSON(t, &theirs)
		if len(theirs) != 2 {
			t.Fatalf("theirs: %v", theirs)
		}
		if r := s.Do(t, "DELETE", fmt.Sprintf("/reservations/%d/", int64(theirs[0]["id"].(float64))), admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("admin cancels: %d %s", r.Status, r.Body)
		}
	})
	t.Run("a removed room cannot be reserved", func(t *testing.T) {
		// A removed room cannot be reserved.
		r := reserve(t, user, gone, day.Add(15*time.Hour), day.Add(16*time.Hour))
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "meetingroom") {
			t.Fatalf("removed room: %d %s", r.Status, r.Body)
		}
	})
}

// TestMeetingRoomsBadInputIs400 sends malformed requests: each is a 400
// naming the field, never a 500.
func TestMeetingRoomsBadInputIs400(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.AdminBearer(t)
	u := s.NewHHUStaff(t)
	room := addRoom(t, s, admin, map[string]any{"name": "A101", "location": "勤学楼", "seats": 8})
	from := apptest.ISO(apptest.FutureDay(2).Add(10 * time.Hour))
	to := apptest.ISO(apptest.FutureDay(2).Add(11 * time.Hour))
	t.Run("malformed input is a 400 naming the field", func(t *testing.T) {
		for _, tc := range []struct {
			method, path, auth string
			body               any
			field              string
		}{
			{"POST", "/reservations/", u.Bearer, map[string]any{}, "reserve_from"},
			{"POST", "/reservations/", u.Bearer, map[string]any{}, "meetingroom"},
			{"POST", "/reservations/", u.Bearer, map[string]any{"reserve_from": "tomorrow", "reserve_to": to, "meetingroom": room}, "reserve_from"},
			{"POST", "/reservations/", u.Bearer, map[string]any{"reserve_from": from, "reserve_to": 17, "meetingroom": room}, "reserve_to"},
			{"POST", "/reservations/", u.Bearer, map[string]any{"reserve_from": from, "reserve_to": to, "meetingroom": "abc"}, "meetingroom"},
			{"POST", "/reservations/", u.Bearer, map[string]any{"reserve_from": from, "reserve_to": to, "meetingroom": 99999}, "meetingroom"},
			{"POST", "/reservations/", u.Bearer, map[string]any{"reserve_from": from, "reserve_to": to, "meetingroom": -1}, "meetingroom"},
			{"POST", "/reservations/", u.Bearer, map[string]any{"reserve_from": from, "reserve_to": to, "meetingroom": []int{1}}, "meetingroom"},
			{"POST", "/reservations/", u.Bearer, map[string]any{"reserve_from": from, "reserve_to": to, "meetingroom": room, "description": strings.Repeat("长", 300)}, "description"},
			{"POST", "/reservations/", u.Bearer, map[string]any{"reserve_from": from, "reserve_to": to, "meetingroom": room, "description": map[string]int{}}, "description"},
			{"POST", "/reservations/", u.Bearer, `[1]`, "non_field_errors"},
			{"POST", "/reservations/", u.Bearer, `{`, "detail"},
			{"GET", "/meetingrooms/available/", u.Bearer, nil, "time_from"},
			{"GET", "/meetingrooms/available/?time_from=" + url.QueryEscape(from) + "&time_to=x", u.Bearer, nil, "time_to"},
			{"GET", "/meetingrooms/available/?time_from=" + url.QueryEscape(to) + "&time_to=" + url.QueryEscape(from), u.Bearer, nil, "time_to"},
			{"GET", "/meetingrooms/available/?time_from=" + url.QueryEscape(from) + "&time_to=" + url.QueryEscape(to) + "&length=abc", u.Bearer, nil, "length"},
			{"GET", "/meetingrooms/available/?time_from=" + url.QueryEscape(from) + "&time_to=" + url.QueryEscape(to) + "&length=5", u.Bearer, nil, "length"},
			{"GET", "/meetingrooms/available/?time_from=" + url.QueryEscape(from) + "&time_to=" + url.QueryEscape(to) + "&people_count=-3", u.Bearer, nil, "people_count"},
			{"GET", "/meetingrooms/available/?time_from=" + url.QueryEscape(from) + "&time_to=" + url.QueryEscape(to) + "&people_count=99999999999999999999", u.Bearer, nil, "people_count"},
			{"GET", "/meetingrooms/available/?time_from=2020-01-01T00:00:00Z&time_to=2030-01-01T00:00:00Z", u.Bearer, nil, "time_to"},
			{"GET", "/api/admin/hhu/reservations/conflicts/?time_to=" + url.QueryEscape(to), admin, nil, "time_from"},
			{"GET", "/api/admin/hhu/reservations/conflicts/?time_from=" + url.QueryEscape(from) + "&time_to=" + url.QueryEscape(to) + "&meetingroom=x", admin, nil, "meetingroom"},
			{"POST", "/api/admin/hhu/meetingrooms/", admin, map[string]any{"location": "x", "seats": 1}, "name"},
			{"POST", "/api/admin/hhu/meetingrooms/", admin, map[string]any{"name": "x", "location": "x", "seats": -1}, "seats"},
			{"POST", "/api/admin/hhu/meetingrooms/", admin, map[string]any{"name": "x", "location": "x", "seats": "many"}, "seats"},
			{"POST", "/api/admin/hhu/meetingrooms/", admin, map[string]any{"name": "x", "location": "x", "seats": 1e30}, "seats"},
			{"POST", "/api/admin/hhu/meetingrooms/", admin, map[string]any{"name": strings.Repeat("x", 65), "location": "x", "seats": 1}, "name"},
			{"PUT", fmt.Sprintf("/api/admin/hhu/meetingrooms/%d/", room), admin, map[string]any{"name": "x"}, "seats"},
			{"PATCH", fmt.Sprintf("/api/admin/hhu/meetingrooms/%d/", room), admin, map[string]any{"name": ""}, "name"},
		} {
			r := s.Do(t, tc.method, tc.path, tc.auth, tc.body)
			if r.Status != http.StatusBadRequest {
				t.Errorf("%s %s %v: %d %s, want 400", tc.method, tc.path, tc.body, r.Status, r.Body)
				continue
			}
			if _, ok := r.Map(t)[tc.field]; !ok {
				t.Errorf("%s %s %v: %s does not name %s", tc.method, tc.path, tc.body, r.Body, tc.field)
			}
		}
	})
	t.Run("malformed ids are 404", func(t *testing.T) {
		for _, path := range []string{"/reservations/abc/", "/reservations/0/", "/reservations/99999999999999999999/", "/api/admin/hhu/meetingrooms/x/"} {
			auth := u.Bearer
			if strings.HasPrefix(path, "/api/admin") {
				auth = admin
			}
			if r := s.Do(t, "DELETE", path, auth, nil); r.Status != http.StatusNotFound {
				t.Errorf("DELETE %s: %d %s", path, r.Status, r.Body)
			}
		}
	})
}

// TestReservationsNoDoubleBookingAcrossProcesses runs two servers on one
// database and sends 120 concurrent requests, half to each: 60 for
// 10:00–11:00 and 60 for the touching 11:00–12:00 of one room. Exactly one
// request wins each slot; every other one is told the slot is taken.
//
// It does not run in parallel with the package's other tests, and each server
// keeps to 8 connections, opened before the burst: the shared PostgreSQL's
// max_connections is small. 120 requests on 8 connections per server still
// read the same stream versions and race their appends.
func TestReservationsNoDoubleBookingAcrossProcesses(t *testing.T) {
	db := pgtest.NewDatabase(t)
	sep := "?"
	if strings.Contains(db, "?") {
		sep = "&"
	}
	onDB := apptest.WithConfig(func(c *app.Config) { c.Database.URL = db + sep + "pool_max_conns=8&pool_min_conns=8" })
	sharedLog := apptest.SharedLog(t)
	s1 := apptest.Start(t, onDB, sharedLog)
	s2 := apptest.Start(t, onDB, sharedLog)
	servers := []*apptest.Server{s1, s2}
	room := addRoom(t, s1, s1.AdminBearer(t), map[string]any{"name": "A101", "location": "勤学楼", "seats": 8})
	users := make([]apptest.User, 6)
	for i := range users {
		users[i] = servers[i%2].NewHHUStaff(t)
	}
	day := apptest.FutureDay(3)
	slots := [][2]time.Time{
		{day.Add(10 * time.Hour), day.Add(11 * time.Hour)},
		{day.Add(11 * time.Hour), day.Add(12 * time.Hour)},
	}
	const perSlot = 60
	type outcome struct {
		slot   int
		status int
		body   string
	}
	results := make(chan outcome, perSlot*len(slots))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range perSlot * len(slots) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slot := i % len(slots)
			s := servers[(i/2)%2]
			u := users[i%len(users)]
			// Every other request asks for an overlapping variant that floors
			// to the same slot.
			from := slots[slot][0]
			if i%4 >= 2 {
				from = from.Add(13 * time.Minute)
			}
			<-start
			r := s.Do(t, "POST", "/reservations/", u.Bearer, map[string]any{
				"reserve_from": apptest.ISO(from), "reserve_to": apptest.ISO(slots[slot][1]), "description": "并发", "meetingroom": room,
			})
			results <- outcome{slot: slot, status: r.Status, body: string(r.Body)}
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	wins := make([]int, len(slots))
	for o := range results {
		switch {
		case o.status == http.StatusCreated:
			wins[o.slot]++
		case o.status == http.StatusBadRequest && strings.Contains(o.body, "该时间段会议室已被预约"):
		default:
			t.Errorf("slot %d: %d %s", o.slot, o.status, o.body)
		}
	}
	for i, w := range wins {
		if w != 1 {
			t.Errorf("slot %d: %d winners, want exactly 1", i, w)
		}
	}
	// The log agrees: the day's stream holds exactly two bookings.
	evs, err := s1.App.Store().ReadStream(t.Context(), meetingrooms.RoomDayStream(room, day.Format("20060102")),
		eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true, Max: 1})
	if err != nil || len(evs) != 1 || evs[0].Type != meetingrooms.EventReservationConfirmed {
		t.Fatalf("roomday stream: %v %v", evs, err)
	}
	if evs[0].Version != 3 {
		t.Errorf("roomday stream version %d, want 3 (two Requested+Confirmed pairs)", evs[0].Version)
	}
	// Both servers' read models show the two bookings.
	for _, s := range servers {
		r := s.Do(t, "GET", "/api/admin/hhu/reservations/conflicts/?"+url.Values{
			"time_from": {apptest.ISO(day)}, "time_to": {apptest.ISO(day.Add(24 * time.Hour))},
		}.Encode()+"&min_position="+evs[0].Position.String(), s.AdminBearer(t), nil)
		var list []map[string]any
		r.JSON(t, &list)
		if len(list) != 2 {
			t.Errorf("read model: %s", r.Body)
		}
	}
}
