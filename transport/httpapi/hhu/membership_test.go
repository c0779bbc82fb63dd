package hhu_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// TestMembershipPerRoute is the membership rule of every HHU route that has
// one (docs/identity.md, "Membership"; docs/hhu.md): an account registered
// through another API logs in to 001 and keeps its own data, but gets DRF's
// 403 where colleagues' personal data or the college's resources are; a
// member of the staff gets through.
func TestMembershipPerRoute(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	staffUser := s.NewHHUStaff(t)
	outUser := s.NewUser(t)
	staff, outsider := s.HHUToken(t, staffUser.Username, staffUser.Password), s.HHUToken(t, outUser.Username, outUser.Password)

	room := s.Do(t, "POST", "/api/admin/hhu/meetingrooms/", admin, map[string]any{"name": "A101", "location": "勤学楼", "seats": 8}).
		Want(t, "room", http.StatusCreated).ID(t)
	activity := s.CreateHHUActivity(t, admin, apptest.HHUActivity("春游", 0))
	category := s.Do(t, "POST", "/api/admin/hhu/repairs/categories/", admin, map[string]any{"name": "网络"}).Want(t, "category", http.StatusCreated).ID(t)
	day := apptest.FutureDay(5)
	window := fmt.Sprintf("time_from=%s&time_to=%s", day.Add(8*time.Hour).UTC().Format(time.RFC3339), day.Add(20*time.Hour).UTC().Format(time.RFC3339))
	reservation := func(hour int) map[string]any {
		return map[string]any{"reserve_from": apptest.ISO(day.Add(time.Duration(hour) * time.Hour)), "reserve_to": apptest.ISO(day.Add(time.Duration(hour+1) * time.Hour)),
			"description": "组会", "meetingroom": room}
	}
	enrollment := map[string]any{"activity": activity, "answers": map[string]any{"name": "张三", "phone": "13800000000"}}
	repair := map[string]any{"location": "勤学楼 101", "category": category, "description": "网络不通"}

	for _, tc := range []struct {
		name         string
		method, path string
		body         func(outsider bool) any
		member       int // the staff member's status; the outsider's is 403
	}{
		{"the address book", "GET", "/contacts/", nil, http.StatusOK},
		{"adding a colleague", "POST", fmt.Sprintf("/friends/%v/", staffUser.ID), nil, http.StatusBadRequest}, // oneself
		{"room availability", "GET", "/meetingrooms/available/?" + window, nil, http.StatusOK},
		{"reserving a room", "POST", "/reservations/", func(out bool) any { return reservation(map[bool]int{false: 10, true: 12}[out]) }, http.StatusCreated},
		{"enrolling in an activity", "POST", "/enrollments/", func(bool) any { return enrollment }, http.StatusCreated},
		{"requesting a repair", "POST", "/repairs/", func(bool) any { return repair }, http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := func(out bool) any {
				if tc.body == nil {
					return nil
				}
				return tc.body(out)
			}
			r := s.Do(t, tc.method, tc.path, outsider, body(true)).Want(t, "outsider", http.StatusForbidden)
			if r.Map(t)["detail"] != "You do not have permission to perform this action." {
				t.Fatalf("outsider: %s", r.Body)
			}
			s.Do(t, tc.method, tc.path, staff, body(false)).Want(t, "staff member", tc.member)
		})
	}
	for _, tc := range []struct{ name, path string }{
		{"the current user", "/current-user/"}, {"the address-book entry", "/current-user/meta/"}, {"the departments", "/departments/"},
		{"the rooms", "/meetingrooms/"}, {"my reservations", "/reservations/"}, {"the activities", "/activities/"},
		{"an activity", fmt.Sprintf("/activities/%d/", activity)}, {"my enrollments", "/enrollments/"},
		{"my clock-ins", fmt.Sprintf("/activities/clockins/%d/", activity)}, {"the repair categories", "/repairs/categories/"},
		{"my repairs", "/repairs/"}, {"the guides", "/guides/"}, {"the guide categories", "/guides/categories/"},
	} {
		t.Run("every account reads "+tc.name, func(t *testing.T) {
			s.Do(t, "GET", tc.path, outsider, nil).Want(t, tc.path, http.StatusOK)
		})
	}
}
