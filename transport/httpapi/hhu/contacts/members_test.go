package contactshttp_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// TestMembership: colleagues' personal data is for HHU staff (docs/identity.md,
// "Membership"). An account registered through another API logs in to 001
// but gets DRF's 403 from the address book and colleagues until an HHU admin
// places it in a department; staff and admins get them.
func TestMembership(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	staff := s.NewHHUStaff(t)
	staffTok := s.HHUToken(t, staff.Username, staff.Password)
	out := s.NewUser(t) // registered through Roamio
	outTok := s.HHUToken(t, out.Username, out.Password)
	dept := s.Do(t, "POST", "/api/admin/hhu/departments/", admin, map[string]any{"name": "计算机系"}).Want(t, "department", http.StatusCreated).ID(t)
	if r := s.Do(t, "PUT", "/current-user/meta/", staffTok, map[string]any{"name": "张三", "mobile": "13800000001"}); r.Status != http.StatusOK {
		t.Fatalf("meta: %d %s", r.Status, r.Body)
	}
	forbidden := func(t *testing.T, r apptest.Response, what string) {
		t.Helper()
		r.Want(t, what, http.StatusForbidden)
		if r.Map(t)["detail"] != "You do not have permission to perform this action." {
			t.Fatalf("%s: %s", what, r.Body)
		}
	}

	t.Run("an outsider logs in but gets 403 from the address book and colleagues", func(t *testing.T) {
		s.Do(t, "GET", "/current-user/", outTok, nil).Want(t, "current user", http.StatusOK)
		s.Do(t, "GET", "/departments/", outTok, nil).Want(t, "departments", http.StatusOK)
		forbidden(t, s.Do(t, "GET", "/contacts/", outTok, nil), "contacts")
		forbidden(t, s.Do(t, "GET", "/contacts/?my=yes&search=张", outTok, nil), "contacts search")
		forbidden(t, s.Do(t, "POST", fmt.Sprintf("/friends/%v/", staff.ID), outTok, nil), "add colleague")
		forbidden(t, s.Do(t, "DELETE", fmt.Sprintf("/friends/%v/", staff.ID), outTok, nil), "remove colleague")
	})
	t.Run("the staff does not see outsiders", func(t *testing.T) {
		var page struct{ Results []map[string]any }
		s.Do(t, "GET", "/contacts/", staffTok, nil).Want(t, "contacts", http.StatusOK).JSON(t, &page)
		for _, c := range page.Results {
			if c["user"] == out.ID {
				t.Fatalf("outsider listed: %v", c)
			}
		}
		s.Do(t, "POST", fmt.Sprintf("/friends/%v/", out.ID), staffTok, nil).Want(t, "add an outsider", http.StatusNotFound)
		s.Do(t, "POST", fmt.Sprintf("/friends/%v/", staff.ID), admin, nil).Want(t, "admin adds a colleague", http.StatusCreated)
	})
	t.Run("only admins place members", func(t *testing.T) {
		forbidden(t, s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/members/%v/", out.ID), staffTok, map[string]any{"department": dept}), "staff places")
		s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/members/%v/", out.ID), admin, map[string]any{"department": 999}).WantField(t, "unknown department", "department")
		s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/members/%v/", out.ID), admin, map[string]any{}).WantField(t, "no department", "department")
		s.Do(t, "PUT", "/api/admin/hhu/members/999999/", admin, map[string]any{"department": dept}).Want(t, "unknown user", http.StatusNotFound)
	})
	t.Run("placed in a department, the outsider is staff", func(t *testing.T) {
		r := s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/members/%v/", out.ID), admin, map[string]any{"department": dept}).Want(t, "place", http.StatusCreated)
		if m := r.Map(t); m["is_member"] != true || m["placed"] != true || m["department"] != "计算机系" || m["department_id"] != float64(dept) {
			t.Fatalf("placed: %s", r.Body)
		}
		s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/members/%v/", out.ID), admin, map[string]any{"department": dept}).Want(t, "place again", http.StatusOK)
		s.Do(t, "GET", "/contacts/", outTok, nil).Want(t, "contacts as staff", http.StatusOK)
		s.Do(t, "POST", fmt.Sprintf("/friends/%v/", staff.ID), outTok, nil).Want(t, "add colleague as staff", http.StatusCreated)
		var members []map[string]any
		s.Do(t, "GET", "/api/admin/hhu/members/", admin, nil).Want(t, "members", http.StatusOK).JSON(t, &members)
		found := false
		for _, m := range members {
			found = found || m["user"] == out.ID
		}
		if !found || len(members) != 3 { // the admin, the staff member, the placed outsider
			t.Fatalf("members: %v", members)
		}
	})
	t.Run("dismissed, they are an outsider again", func(t *testing.T) {
		s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/members/%v/", out.ID), admin, nil).Want(t, "dismiss", http.StatusNoContent)
		s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/members/%v/", out.ID), admin, nil).Want(t, "dismiss again", http.StatusNotFound)
		forbidden(t, s.Do(t, "GET", "/contacts/", outTok, nil), "contacts after dismissal")
		if r := s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/members/%v/", out.ID), admin, nil).Want(t, "member", http.StatusOK); r.Map(t)["is_member"] != false {
			t.Fatalf("dismissed: %s", r.Body)
		}
	})
}
