package contactshttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// Tests of 001's address book, colleagues and departments through the whole
// server.

type contactsPage struct {
	Count    int              `json:"count"`
	Next     *string          `json:"next"`
	Previous *string          `json:"previous"`
	Results  []map[string]any `json:"results"`
}

func listContacts(t *testing.T, s *apptest.Server, auth string, q url.Values) contactsPage {
	t.Helper()
	r := s.Do(t, "GET", "/contacts/?"+q.Encode(), auth, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("contacts %s: %d %s", q.Encode(), r.Status, r.Body)
	}
	var p contactsPage
	r.JSON(t, &p)
	return p
}

func contactUsers(p contactsPage) []float64 {
	out := []float64{}
	for _, r := range p.Results {
		out = append(out, r["user"].(float64))
	}
	return out
}

func TestContactsColleaguesAndDepartments(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	u1, u2, u3 := s.NewUser(t), s.NewUser(t), s.NewUser(t)
	t1, t2, t3 := s.HHUToken(t, u1.Username, u1.Password), s.HHUToken(t, u2.Username, u2.Password), s.HHUToken(t, u3.Username, u3.Password)

	var cs, se int64 // the departments
	t.Run("departments are admin business", func(t *testing.T) {
		if r := s.Do(t, "POST", "/api/admin/hhu/departments/", t1, map[string]any{"name": "计算机系"}); r.Status != http.StatusForbidden {
			t.Fatalf("user adds a department: %d %s", r.Status, r.Body)
		}
	})
	t.Run("an admin adds a department", func(t *testing.T) {
		r := s.Do(t, "POST", "/api/admin/hhu/departments/", admin, map[string]any{"name": "计算机系"})
		if r.Status != http.StatusCreated {
			t.Fatalf("add department: %d %s", r.Status, r.Body)
		}
		cs = int64(r.Map(t)["id"].(float64))
		// The three are HHU staff, placed in it by the admin (the address
		// book is for members, docs/identity.md "Membership").
		for _, u := range []apptest.User{u1, u2, u3} {
			s.PlaceHHUStaff(t, admin, int64(u.ID), cs)
		}
	})
	t.Run("a department's name is required, unique, short text", func(t *testing.T) {
		for _, tc := range []struct {
			body  any
			field string
		}{
			{map[string]any{"name": "计算机系"}, "name"},
			{map[string]any{"name": "  "}, "name"},
			{map[string]any{}, "name"},
			{map[string]any{"name": strings.Repeat("系", 65)}, "name"},
			{map[string]any{"name": []int{1}}, "name"},
			{`[1]`, "non_field_errors"},
		} {
			r := s.Do(t, "POST", "/api/admin/hhu/departments/", admin, tc.body)
			if r.Status != http.StatusBadRequest || r.Map(t)[tc.field] == nil {
				t.Errorf("add %v: %d %s", tc.body, r.Status, r.Body)
			}
		}
	})
	t.Run("every user lists the departments", func(t *testing.T) {
		r := s.Do(t, "POST", "/api/admin/hhu/departments/", admin, map[string]any{"name": "软件系"})
		se = int64(r.Map(t)["id"].(float64))
		var deps []map[string]any
		s.Do(t, "GET", "/departments/", t1, nil).JSON(t, &deps)
		if len(deps) != 2 || deps[0]["name"] != "计算机系" || deps[1]["id"] != float64(se) {
			t.Fatalf("departments: %v", deps)
		}
	})

	t.Run("address-book entries answer what was stored", func(t *testing.T) {
		// Address-book entries: u1 refers to a department by id, u2 types one.
		for _, m := range []struct {
			auth string
			body map[string]any
		}{
			{t1, map[string]any{"name": "张三", "position": "教授", "department": fmt.Sprint(cs), "qq": "10001", "phone": "025-1", "mobile": "13800000001"}},
			{t2, map[string]any{"name": "Alice Li", "position": "讲师", "department": "物联网学院", "qq": "20002", "phone": "", "mobile": "13900000002"}},
		} {
			if r := s.Do(t, "PUT", "/current-user/meta/", m.auth, m.body); r.Status != http.StatusOK {
				t.Fatalf("meta: %d %s", r.Status, r.Body)
			}
		}
		// /current-user/meta/ still answers what was stored.
		if r := s.Do(t, "GET", "/current-user/meta/", t1, nil); r.Map(t)["department"] != fmt.Sprint(cs) {
			t.Errorf("meta: %s", r.Body)
		}
	})
	t.Run("the address book lists every active user, departments by name", func(t *testing.T) {
		all := listContacts(t, s, t3, nil)
		if all.Count != 4 || len(all.Results) != 4 || all.Next != nil || all.Previous != nil {
			t.Fatalf("all contacts: %+v", all)
		}
		byUser := map[float64]map[string]any{}
		for _, c := range all.Results {
			byUser[c["user"].(float64)] = c
		}
		if c := byUser[u1.ID]; c["department"] != "计算机系" || c["department_id"] != float64(cs) || c["name"] != "张三" || c["username"] != u1.Username || c["is_colleague"] != false {
			t.Errorf("u1: %v", c)
		}
		if c := byUser[u2.ID]; c["department"] != "物联网学院" || c["department_id"] != nil || c["mobile"] != "13900000002" {
			t.Errorf("u2: %v", c)
		}
		if c := byUser[u3.ID]; c["name"] != "" || c["department"] != "" {
			t.Errorf("u3 without an entry: %v", c)
		}
	})
	t.Run("search looks at every field, in any case", func(t *testing.T) {
		// Search: name, position, department, QQ, phone, mobile; any case.
		for q, want := range map[string][]float64{
			"alice": {u2.ID}, "教授": {u1.ID}, "计算机": {u1.ID}, "物联网": {u2.ID}, "2000": {u2.ID}, "025-1": {u1.ID},
			"1380000": {u1.ID}, "138": {u1.ID}, "13": {u1.ID, u2.ID}, "没有": {}, "%": {}, "_": {},
		} {
			got := contactUsers(listContacts(t, s, t3, url.Values{"search": {q}}))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("search %q: %v, want %v", q, got, want)
			}
		}
	})
	t.Run("a renamed department shows its new name", func(t *testing.T) {
		// A renamed department shows its new name, and is searched by it.
		if r := s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/departments/%d/", cs), admin, map[string]any{"name": "计算机科学系"}); r.Status != http.StatusOK || r.Map(t)["name"] != "计算机科学系" {
			t.Fatalf("rename: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/departments/%d/", cs), admin, map[string]any{"name": "软件系"}); r.Status != http.StatusBadRequest || r.Map(t)["name"] == nil {
			t.Fatalf("rename to a taken name: %d %s", r.Status, r.Body)
		}
		if got := contactUsers(listContacts(t, s, t3, url.Values{"search": {"科学"}})); fmt.Sprint(got) != fmt.Sprint([]float64{u1.ID}) {
			t.Errorf("search the new name: %v", got)
		}
	})

	friend := func(t *testing.T, method, auth string, id any) apptest.Response {
		return s.Do(t, method, fmt.Sprintf("/friends/%v/", id), auth, nil)
	}
	t.Run("adding a colleague", func(t *testing.T) {
		if r := friend(t, "POST", t3, u1.ID); r.Status != http.StatusCreated || r.Map(t)["is_colleague"] != true || r.Map(t)["user"] != u1.ID {
			t.Fatalf("add colleague: %d %s", r.Status, r.Body)
		}
		if r := friend(t, "POST", t3, u1.ID); r.Status != http.StatusOK {
			t.Fatalf("add colleague again: %d %s", r.Status, r.Body)
		}
		if r := friend(t, "POST", t3, u2.ID); r.Status != http.StatusCreated {
			t.Fatalf("add second colleague: %d %s", r.Status, r.Body)
		}
		if r := friend(t, "POST", t3, u3.ID); r.Status != http.StatusBadRequest || r.Map(t)["non_field_errors"] == nil {
			t.Fatalf("add oneself: %d %s", r.Status, r.Body)
		}
		for _, id := range []any{999999, "abc", 0} {
			if r := friend(t, "POST", t3, id); r.Status != http.StatusNotFound {
				t.Errorf("add %v: %d %s", id, r.Status, r.Body)
			}
		}
		if r := friend(t, "POST", "", u1.ID); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", r.Status)
		}
	})
	t.Run("my=yes lists my colleagues, one-way", func(t *testing.T) {
		mine := listContacts(t, s, t3, url.Values{"my": {"yes"}})
		if fmt.Sprint(contactUsers(mine)) != fmt.Sprint([]float64{u1.ID, u2.ID}) || mine.Results[0]["is_colleague"] != true {
			t.Fatalf("my colleagues: %+v", mine)
		}
		if got := contactUsers(listContacts(t, s, t3, url.Values{"my": {"yes"}, "search": {"alice"}})); fmt.Sprint(got) != fmt.Sprint([]float64{u2.ID}) {
			t.Errorf("my colleagues named alice: %v", got)
		}
		if got := listContacts(t, s, t1, url.Values{"my": {"yes"}}); got.Count != 0 {
			t.Errorf("u1's colleagues (the relation is one-way): %+v", got)
		}
		if got := listContacts(t, s, t3, url.Values{"my": {"no"}}); got.Count != 4 {
			t.Errorf("my=no: %+v", got)
		}
	})
	t.Run("removing a colleague", func(t *testing.T) {
		if r := friend(t, "DELETE", t3, u1.ID); r.Status != http.StatusNoContent {
			t.Fatalf("remove colleague: %d %s", r.Status, r.Body)
		}
		if r := friend(t, "DELETE", t3, u1.ID); r.Status != http.StatusNoContent {
			t.Fatalf("remove colleague again: %d %s", r.Status, r.Body)
		}
		if got := contactUsers(listContacts(t, s, t3, url.Values{"my": {"yes"}})); fmt.Sprint(got) != fmt.Sprint([]float64{u2.ID}) {
			t.Errorf("my colleagues after removal: %v", got)
		}
	})
	t.Run("bad filters are 400", func(t *testing.T) {
		for _, q := range []string{"my=maybe", "search=" + strings.Repeat("x", 101)} {
			r := s.Do(t, "GET", "/contacts/?"+q, t3, nil)
			field, _, _ := strings.Cut(q, "=")
			if r.Status != http.StatusBadRequest || r.Map(t)[field] == nil {
				t.Errorf("%s: %d %s", q, r.Status, r.Body)
			}
		}
	})
	t.Run("pages out of range are 404", func(t *testing.T) {
		for _, q := range []string{"page=0", "page=x", "page=2"} {
			if r := s.Do(t, "GET", "/contacts/?"+q, t3, nil); r.Status != http.StatusNotFound {
				t.Errorf("%s: %d %s", q, r.Status, r.Body)
			}
		}
	})

	t.Run("a removed department leaves its entries without one", func(t *testing.T) {
		// A removed department leaves its entries without one.
		if r := s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/departments/%d/", cs), admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("remove department: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/departments/%d/", cs), admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("removed department: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/departments/%d/", cs), admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("remove twice: %d %s", r.Status, r.Body)
		}
		for _, c := range listContacts(t, s, t3, nil).Results {
			if c["user"] == u1.ID && (c["department"] != "" || c["department_id"] != nil) {
				t.Errorf("u1 after the department's removal: %v", c)
			}
		}
	})

	t.Run("an erased person is gone from the address book at once", func(t *testing.T) {
		// An erased person is gone from the address book at once.
		if err := s.App.Vault().Erase(context.Background(), identity.UserDataSubject(int64(u2.ID))); err != nil {
			t.Fatal(err)
		}
		if got := contactUsers(listContacts(t, s, t3, nil)); len(got) != 3 || fmt.Sprint(got) == fmt.Sprint([]float64{}) {
			t.Errorf("after erasure: %v", got)
		}
		for _, id := range contactUsers(listContacts(t, s, t3, url.Values{"my": {"yes"}})) {
			if id == u2.ID {
				t.Errorf("erased colleague listed")
			}
		}
		if r := friend(t, "POST", t3, u2.ID); r.Status != http.StatusNotFound {
			t.Errorf("add an erased user: %d %s", r.Status, r.Body)
		}
	})
	_ = t2
}

// TestContactsPagination: 20 a page, DRF's links.
func TestContactsPagination(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	var last apptest.User
	for range 22 {
		last = s.NewHHUStaff(t)
	}
	tok := s.HHUToken(t, last.Username, last.Password)
	p1 := listContacts(t, s, tok, nil)
	if p1.Count != 23 || len(p1.Results) != 20 || p1.Previous != nil || p1.Next == nil || !strings.HasSuffix(*p1.Next, "/contacts/?page=2") {
		t.Fatalf("page 1: count %d, %d results, next %v, previous %v", p1.Count, len(p1.Results), p1.Next, p1.Previous)
	}
	p2 := listContacts(t, s, tok, url.Values{"page": {"2"}})
	if p2.Count != 23 || len(p2.Results) != 3 || p2.Next != nil || p2.Previous == nil || strings.Contains(*p2.Previous, "page=") {
		t.Fatalf("page 2: %+v", p2)
	}
	if p2.Results[2]["user"] != last.ID {
		t.Errorf("order by id: %v", p2.Results)
	}
	if pl := listContacts(t, s, tok, url.Values{"page": {"last"}}); len(pl.Results) != 3 || pl.Next != nil {
		t.Errorf("page=last: %+v", pl)
	}
	if r := s.Do(t, "GET", "/contacts?page=3", tok, nil); r.Status != http.StatusNotFound {
		t.Errorf("page 3: %d %s", r.Status, r.Body)
	}
}

// TestContactsConcurrentWritesAreExact hammers one colleague relation and one
// department name from many goroutines: one ColleagueAdded and one
// department, whatever the interleaving.
func TestContactsConcurrentWritesAreExact(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	u, v := s.NewUser(t), s.NewUser(t)
	tok := s.HHUToken(t, u.Username, u.Password)
	// Both are HHU staff; their department goes again, so that the race
	// below makes the only one.
	staff := s.Do(t, "POST", "/api/admin/hhu/departments/", admin, map[string]any{"name": "教职工"}).Want(t, "department", http.StatusCreated).ID(t)
	s.PlaceHHUStaff(t, admin, int64(u.ID), staff)
	s.PlaceHHUStaff(t, admin, int64(v.ID), staff)
	s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/departments/%d/", staff), admin, nil).Want(t, "remove department", http.StatusNoContent)
	const n = 25
	statuses := make(chan int, 2*n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 0 {
				statuses <- s.Do(t, "POST", fmt.Sprintf("/friends/%v/", v.ID), tok, nil).Status
			} else {
				statuses <- -s.Do(t, "POST", "/api/admin/hhu/departments/", admin, map[string]any{"name": "同名系"}).Status
			}
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[201] != 1 || count[200] != n-1 || count[-201] != 1 || count[-400] != n-1 {
		t.Fatalf("statuses %v; want one 201 and %d 200 for the colleague, one 201 and %d 400 for the department", count, n-1, n-1)
	}
	recs, err := s.App.Store().ReadStream(context.Background(), contacts.ColleagueStream(int64(u.ID), int64(v.ID)), eventlog.ReadStreamOptions{})
	if err != nil || len(recs) != 1 || recs[0].Type != contacts.EventColleagueAdded {
		t.Fatalf("colleague stream: %v %v", recs, err)
	}
	var deps []map[string]any
	s.Do(t, "GET", "/api/admin/hhu/departments/", admin, nil).JSON(t, &deps)
	if len(deps) != 1 {
		t.Fatalf("departments: %v", deps)
	}
}
