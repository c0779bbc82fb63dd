package roomshttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// TestMeetingRoomsAdminMoveAndCancel: an admin moves a reservation to
// another room and time, then within its day, and cancels another; each time
// the owner gets a mail (real SMTP server in process) with the new time or
// the reason, and the read model follows.
func TestMeetingRoomsAdminMoveAndCancel(t *testing.T) {
	t.Parallel()
	smtp, withSMTP := apptest.WithSMTP(t, 2)
	s := apptest.Start(t, withSMTP)
	admin := s.HHUAdminToken(t)
	u := s.NewHHUStaff(t)
	user := s.HHUToken(t, u.Username, u.Password)
	email := u.Username + "@example.com"
	a101 := addRoom(t, s, admin, map[string]any{"name": "A101", "location": "勤学楼", "seats": 8})
	b202 := addRoom(t, s, admin, map[string]any{"name": "B202", "location": "笃学楼", "seats": 12})
	day := apptest.FutureDay(4)
	reserve := func(t *testing.T, auth string, room int64, from, to time.Time) map[string]any {
		t.Helper()
		r := s.Do(t, "POST", "/reservations/", auth, map[string]any{
			"reserve_from": apptest.ISO(from), "reserve_to": apptest.ISO(to), "description": "组会", "meetingroom": room})
		if r.Status != http.StatusCreated {
			t.Fatalf("reserve: %d %s", r.Status, r.Body)
		}
		return r.Map(t)
	}
	mine := reserve(t, user, a101, day.Add(10*time.Hour), day.Add(11*time.Hour))
	id := int64(mine["id"].(float64))
	path := fmt.Sprintf("/api/admin/hhu/reservations/%d/", id)
	blocker := reserve(t, admin, b202, day.Add(16*time.Hour), day.Add(17*time.Hour))
	next := day.AddDate(0, 0, 1) // where it moves to
	var before int               // mails before the no-op move

	t.Run("only admins move, unknown ids are 404, bad input names the field", func(t *testing.T) {
		// Only admins; unknown ids are 404; bad input names the field.
		if r := s.Do(t, "PATCH", path, user, map[string]any{"reserve_from": apptest.ISO(day.Add(12 * time.Hour))}); r.Status != http.StatusForbidden {
			t.Fatalf("user moves: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "PATCH", "/api/admin/hhu/reservations/999999/", admin, map[string]any{}); r.Status != http.StatusNotFound {
			t.Fatalf("unknown: %d %s", r.Status, r.Body)
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"reserve_from": "tomorrow"}, "reserve_from"},
			{map[string]any{"meetingroom": "abc"}, "meetingroom"},
			{map[string]any{"meetingroom": 999999}, "meetingroom"},
			{map[string]any{"meetingroom": -2}, "meetingroom"},
			{map[string]any{"reason": strings.Repeat("因", 300)}, "reason"},
			{map[string]any{"reason": []int{1}}, "reason"},
			{map[string]any{"reserve_from": apptest.ISO(day.Add(12 * time.Hour)), "reserve_to": apptest.ISO(day.Add(16 * time.Hour))}, "reserve_to"},
			{map[string]any{"meetingroom": b202, "reserve_from": apptest.ISO(day.Add(16*time.Hour + 30*time.Minute)), "reserve_to": apptest.ISO(day.Add(17*time.Hour + 30*time.Minute))}, "non_field_errors"},
		} {
			r := s.Do(t, "PATCH", path, admin, tc.body)
			if r.Status != http.StatusBadRequest {
				t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
				continue
			}
			if _, ok := r.Map(t)[tc.field]; !ok {
				t.Errorf("%v: %s does not name %s", tc.body, r.Body, tc.field)
			}
		}

	})
	t.Run("a move to another room and day mails the owner and frees the old slot", func(t *testing.T) {
		// To another room and day.
		r := s.Do(t, "PATCH", path, admin, map[string]any{
			"meetingroom": b202, "reserve_from": apptest.ISO(next.Add(14*time.Hour + 10*time.Minute)), "reserve_to": apptest.ISO(next.Add(15 * time.Hour)),
			"reason": "学院领导临时开会"})
		if r.Status != http.StatusOK {
			t.Fatalf("move: %d %s", r.Status, r.Body)
		}
		moved := r.Map(t)
		if moved["meetingroom"] != float64(b202) || moved["reserve_from"] != apptest.ISO(next.Add(14*time.Hour)) || moved["reserve_to"] != apptest.ISO(next.Add(15*time.Hour)) || moved["description"] != "组会" {
			t.Fatalf("moved: %v", moved)
		}
		m := smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Body, "已由管理员调整") }, 10*time.Second)
		wantNew := "新预约：B202 " + next.Format("2006-01-02") + " 14:00–15:00"
		wantOld := "原预约：A101 " + day.Format("2006-01-02") + " 10:00–11:00"
		if !strings.Contains(m.Body, wantNew) || !strings.Contains(m.Body, wantOld) || !strings.Contains(m.Body, "学院领导临时开会") {
			t.Errorf("mail body:\n%s\nwant %q and %q", m.Body, wantNew, wantOld)
		}
		var list []map[string]any
		s.Do(t, "GET", "/reservations/", user, nil).JSON(t, &list)
		if len(list) != 1 || list[0]["meetingroom"] != float64(b202) || list[0]["reserve_from"] != apptest.ISO(next.Add(14*time.Hour)) {
			t.Fatalf("my reservations after the move: %v", list)
		}
		// The old slot is free again.
		reserve(t, admin, a101, day.Add(10*time.Hour), day.Add(11*time.Hour))

	})
	t.Run("a move within its day changes the times", func(t *testing.T) {
		// Within its day: only the times.
		r := s.Do(t, "PATCH", path, admin, map[string]any{"reserve_from": apptest.ISO(next.Add(9 * time.Hour)), "reserve_to": apptest.ISO(next.Add(10*time.Hour + 30*time.Minute))})
		if r.Status != http.StatusOK || r.Map(t)["reserve_to"] != apptest.ISO(next.Add(10*time.Hour+30*time.Minute)) {
			t.Fatalf("move within the day: %d %s", r.Status, r.Body)
		}
		smtp.WaitFor(t, email, func(m smtptest.Message) bool {
			return strings.Contains(m.Body, "新预约：B202 "+next.Format("2006-01-02")+" 09:00–10:30")
		}, 10*time.Second)

	})
	t.Run("a move to where it is appends nothing", func(t *testing.T) {
		// A move to where it is appends nothing (and mails nothing).
		before = len(smtp.Messages())
		r := s.Do(t, "PATCH", path, admin, map[string]any{"reserve_from": apptest.ISO(next.Add(9 * time.Hour)), "reserve_to": apptest.ISO(next.Add(10*time.Hour + 30*time.Minute))})
		if r.Status != http.StatusOK || r.Header.Get("X-Event-Position") != "" || r.Map(t)["reserve_from"] != apptest.ISO(next.Add(9*time.Hour)) {
			t.Fatalf("move to the same slot: %d %s %v", r.Status, r.Body, r.Header)
		}

	})
	t.Run("an admin cancels with a reason and the owner is mailed", func(t *testing.T) {
		// An admin cancels with a reason.
		r := s.Do(t, "DELETE", path, admin, map[string]any{"reason": "会议室维修"})
		if r.Status != http.StatusNoContent {
			t.Fatalf("admin cancel: %d %s", r.Status, r.Body)
		}
		m := smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Body, "已由管理员取消") }, 10*time.Second)
		if !strings.Contains(m.Body, "会议室维修") || !strings.Contains(m.Body, "B202 "+next.Format("2006-01-02")+" 09:00–10:30") {
			t.Errorf("cancel mail:\n%s", m.Body)
		}
		if n := len(smtp.Messages()); n != before+1 {
			t.Errorf("%d mails after the no-op move and the cancellation, want %d", n, before+1)
		}
		if r := s.Do(t, "GET", path, admin, nil); r.Status != http.StatusNotFound {
			t.Errorf("cancelled reservation: %d %s", r.Status, r.Body)
		}
		var list []map[string]any
		s.Do(t, "GET", "/reservations/", user, nil).JSON(t, &list)
		if len(list) != 0 {
			t.Errorf("my reservations after the cancellation: %v", list)
		}
	})
	t.Run("the admin sees any reservation, and nobody else is mailed", func(t *testing.T) {
		// The admin's own reservation cancelled by the admin sends nothing; the
		// admin's GET shows any reservation.
		if r := s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/reservations/%d/", int64(blocker["id"].(float64))), admin, nil); r.Status != http.StatusOK {
			t.Errorf("admin get: %d %s", r.Status, r.Body)
		}
		for _, msg := range smtp.Messages() {
			for _, to := range msg.To {
				if !strings.EqualFold(to, email) {
					t.Errorf("mail to %s: %s", to, msg.Subject)
				}
			}
		}
	})
}
