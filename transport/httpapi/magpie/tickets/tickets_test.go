package ticketshttp_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// Each role's view of the same tickets, the filters after the scope,
// PATCH by role with checked transitions, comments, and role activation
// and revocation taking effect at once.
func TestTicketScopesAndRoles(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(withAppSecret))
	c := apptest.NewClient(s)
	admin := s.AdminBearer(t)
	p := makePlaces(t, c, admin)
	citizen1, citizen2 := newMagpieUser(t, c), newMagpieUser(t, c)
	chief, rep, councillor := newMagpieUser(t, c), newMagpieUser(t, c), newMagpieUser(t, c)

	var chiefRole int64
	t.Run("an admin activates roles; others may not", func(t *testing.T) {
		want(t, "citizen activates", c.Do(t, "PATCH", "/api/lastest/role/", citizen1.Auth,
			map[string]any{"user": citizen1.ID, "casting": "村里長", "area": p.V1}), http.StatusUnauthorized)
		chiefRole = activate(t, c, admin, chief.ID, "村里長", p.V1)
		activate(t, c, admin, rep.ID, "代表", p.A1)
		activate(t, c, admin, councillor.ID, "議員", p.A2)
		again := want(t, "same role again", c.Do(t, "PATCH", "/api/lastest/role/", admin,
			map[string]any{"user": chief.ID, "casting": "chief", "area": p.V1}), http.StatusAccepted)
		if idOf(again) != chiefRole {
			t.Errorf("same role: got %s", again.Raw)
		}
		want(t, "chief of an area", c.Do(t, "PATCH", "/api/lastest/role/", admin,
			map[string]any{"user": chief.ID, "casting": "村里長", "area": p.A1}), http.StatusBadRequest)
		r := want(t, "bad casting", c.Do(t, "PATCH", "/api/lastest/role/", admin,
			map[string]any{"user": chief.ID, "casting": "king", "area": p.V1}), http.StatusBadRequest)
		if r.Body["casting"] == nil {
			t.Errorf("bad casting names no field: %s", r.Raw)
		}
		mine := want(t, "own roles", c.Do(t, "GET", "/api/lastest/role/", chief.Auth, nil), http.StatusOK)
		if got := ids(t, mine); len(got) != 1 || got[0] != chiefRole {
			t.Errorf("chief's roles: %s", mine.Raw)
		}
	})

	t1 := newTicket(t, c, citizen1.Auth, p.V1, false, map[string]any{"cluster": uri("cluster", p.Cluster)})
	t2 := newTicket(t, c, citizen1.Auth, p.V3, true, nil)
	t3 := newTicket(t, c, citizen2.Auth, p.V2, false, nil)
	id1, id2, id3 := int64(t1["id"].(float64)), int64(t2["id"].(float64)), int64(t3["id"].(float64))

	t.Run("a created ticket answers in the seed's shape", func(t *testing.T) {
		status := t1["status"].(map[string]any)
		if status["value"] != "initial" || status["swarm"] != "ticket-status" || t1["in_working"] != true ||
			t1["inspected_time"] != nil || t1["can_comment"] != false || len(t1["mail_key"].(string)) != 4 ||
			t1["resource_uri"] != uri("ticket", id1) || t1["creator"].(map[string]any)["id"] != float64(citizen1.ID) ||
			t1["village"].(map[string]any)["resource_uri"] != uri("area", p.V1) ||
			t1["cluster"].(map[string]any)["name"] != "Local Affair" || t1["principal"] != nil {
			t.Errorf("ticket: %v", t1)
		}
	})

	scope := func(who string, auth string, query string) []int64 {
		t.Helper()
		r := want(t, who+" lists", c.Do(t, "GET", "/api/lastest/ticket/"+query, auth, nil), http.StatusOK)
		got := ids(t, r)
		slices.Sort(got)
		return got
	}
	sorted := func(v ...int64) []int64 { slices.Sort(v); return v }
	t.Run("each role first sees only what it may", func(t *testing.T) {
		for _, tc := range []struct {
			who  string
			auth string
			want []int64
		}{
			{"citizen1 (own: T1 and public T2)", citizen1.Auth, sorted(id1, id2)},
			{"citizen2 (own T3, public T2)", citizen2.Auth, sorted(id2, id3)},
			{"chief of V1 (T1, public T2)", chief.Auth, sorted(id1, id2)},
			{"representative of A1 (T1, T3 in its villages, public T2)", rep.Auth, sorted(id1, id2, id3)},
			{"councillor of A2 (T2)", councillor.Auth, sorted(id2)},
			{"admin (all)", admin, sorted(id1, id2, id3)},
		} {
			got := scope(tc.who, tc.auth, "")
			// other tests' tickets are in other databases: exact sets
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.who, got, tc.want)
			}
			for _, id := range []int64{id1, id2, id3} {
				r := c.Do(t, "GET", uri("ticket", id), tc.auth, nil)
				if has(tc.want, id) != (r.Status == http.StatusOK) {
					t.Errorf("%s GET ticket %d: %d", tc.who, id, r.Status)
				}
			}
		}
	})

	t.Run("the client's filters apply within the scope", func(t *testing.T) {
		if got := scope("rep", rep.Auth, fmt.Sprintf("?village=%d", p.V2)); !slices.Equal(got, []int64{id3}) {
			t.Errorf("village filter: %v", got)
		}
		if got := scope("rep", rep.Auth, fmt.Sprintf("?village__in=%d,%d", p.V1, p.V3)); !slices.Equal(got, sorted(id1, id2)) {
			t.Errorf("village__in: %v", got)
		}
		if got := scope("citizen2", citizen2.Auth, fmt.Sprintf("?village=%s", uri("area", p.V1))); len(got) != 0 {
			t.Errorf("filter cannot widen the scope: %v", got)
		}
		if got := scope("admin", admin, "?is_public=true&status=1"); !slices.Equal(got, []int64{id2}) {
			t.Errorf("is_public&status: %v", got)
		}
		if got := scope("admin", admin, fmt.Sprintf("?id__gte=%d&in_working=true", id2)); !slices.Equal(got, sorted(id2, id3)) {
			t.Errorf("id__gte: %v", got)
		}
		r := want(t, "page", c.Do(t, "GET", "/api/lastest/ticket/?limit=1&offset=1&order_by=id", admin, nil), http.StatusOK)
		meta := r.Body["meta"].(map[string]any)
		if got := ids(t, r); len(got) != 1 || got[0] != id2 || meta["total_count"] != 3.0 || meta["next"] == nil || meta["previous"] == nil {
			t.Errorf("page: %s", r.Raw)
		}
		if got := ids(t, want(t, "order", c.Do(t, "GET", "/api/lastest/ticket/?order_by=-id", admin, nil), http.StatusOK)); !slices.Equal(got, []int64{id3, id2, id1}) {
			t.Errorf("order_by=-id: %v", got)
		}
		for _, q := range []string{"?colour=red", "?title__regex=x", "?id=abc", "?order_by=password", "?limit=-1", "?offset=x",
			"?create_time__gte=yesterday", "?status__in=1,x", "?is_public=maybe"} {
			r := c.Do(t, "GET", "/api/lastest/ticket/"+q, admin, nil)
			if r.Status != http.StatusBadRequest || r.Body["error"] == nil {
				t.Errorf("%s: %d %s", q, r.Status, r.Raw)
			}
		}
	})

	t.Run("PATCH by the roles allowed, transitions checked", func(t *testing.T) {
		patch := func(auth string, id int64, body map[string]any) apptest.Reply {
			return c.Do(t, "PATCH", uri("ticket", id), auth, body)
		}
		want(t, "outside the scope", patch(citizen2.Auth, id1, map[string]any{"title": "x"}), http.StatusNotFound)
		want(t, "chief of another village", patch(chief.Auth, id3, map[string]any{"status": 2}), http.StatusNotFound)
		want(t, "citizen changes status", patch(citizen1.Auth, id1, map[string]any{"status": 2}), http.StatusUnauthorized)
		want(t, "citizen2 edits a public ticket not theirs", patch(citizen2.Auth, id2, map[string]any{"title": "x"}), http.StatusUnauthorized)
		r := want(t, "creator edits while initial", patch(citizen1.Auth, id1, map[string]any{"title": "路燈壞了", "is_public": false}), http.StatusAccepted)
		if r.Body["title"] != "路燈壞了" {
			t.Errorf("title: %s", r.Raw)
		}
		r = want(t, "chief takes it up", patch(chief.Auth, id1, map[string]any{"status": "/api/lastest/ho600_lib/option/2/"}), http.StatusAccepted)
		if r.Body["status"].(map[string]any)["value"] != "processing" || r.Body["inspected_time"] == nil ||
			r.Body["operator"].(map[string]any)["id"] != float64(chief.ID) || r.Body["in_working"] != true {
			t.Errorf("processing: %s", r.Raw)
		}
		r = want(t, "back to initial", patch(chief.Auth, id1, map[string]any{"status": 1}), http.StatusBadRequest)
		if r.Body["status"] == nil {
			t.Errorf("transition error names no field: %s", r.Raw)
		}
		want(t, "creator edits after it was taken up", patch(citizen1.Auth, id1, map[string]any{"title": "x"}), http.StatusUnauthorized)
		want(t, "principal without a role there", patch(chief.Auth, id1, map[string]any{"principal": citizen2.ID}), http.StatusBadRequest)
		r = want(t, "principal", patch(rep.Auth, id1, map[string]any{"principal": uri("auth/user", chief.ID)}), http.StatusAccepted)
		if r.Body["principal"].(map[string]any)["id"] != float64(chief.ID) {
			t.Errorf("principal: %s", r.Raw)
		}
		r = want(t, "resolved", patch(rep.Auth, id1, map[string]any{"status": 3}), http.StatusAccepted)
		if r.Body["in_working"] != false {
			t.Errorf("resolved is not in working: %s", r.Raw)
		}
		if got := scope("admin", admin, "?in_working=false"); !slices.Equal(got, []int64{id1}) {
			t.Errorf("in_working=false: %v", got)
		}
		for _, body := range []map[string]any{{"latitude": "north"}, {"status": "x"}, {"is_public": "perhaps"}, {"latitude": 91}, {"title": string(make([]byte, 200))}} {
			if r := patch(citizen2.Auth, id3, body); r.Status != http.StatusBadRequest {
				t.Errorf("%v: %d %s", body, r.Status, r.Raw)
			}
		}
		r = want(t, "suspension", patch(councillor.Auth, id2, map[string]any{"is_suspend": true}), http.StatusAccepted)
		if r.Body["is_suspend"] != true {
			t.Errorf("suspend: %s", r.Raw)
		}
		if got := scope("citizen2", citizen2.Auth, ""); !slices.Equal(got, []int64{id3}) {
			t.Errorf("a suspended public ticket is hidden from others: %v", got)
		}
		if got := scope("citizen1", citizen1.Auth, ""); !slices.Equal(got, sorted(id1, id2)) {
			t.Errorf("its creator still sees it: %v", got)
		}
	})

	t.Run("comments while can_comment allows, by the roles allowed", func(t *testing.T) {
		comment := func(auth string, id int64, text string) apptest.Reply {
			return c.Do(t, "POST", "/api/lastest/comment/", auth, map[string]any{"ticket": uri("ticket", id), "content": text})
		}
		r := want(t, "closed", comment(citizen1.Auth, id1, "還沒修好"), http.StatusBadRequest)
		if r.Body["ticket"] == nil {
			t.Errorf("closed: %s", r.Raw)
		}
		want(t, "chief opens comments", c.Do(t, "PATCH", uri("ticket", id1), chief.Auth, map[string]any{"can_comment": true}), http.StatusAccepted)
		want(t, "creator", comment(citizen1.Auth, id1, "還沒修好"), http.StatusCreated)
		want(t, "official", comment(chief.Auth, id1, "明天派人"), http.StatusCreated)
		want(t, "a ticket outside the scope", comment(citizen2.Auth, id1, "x"), http.StatusBadRequest)
		want(t, "blank", comment(citizen1.Auth, id1, "  "), http.StatusBadRequest)
		list := want(t, "list", c.Do(t, "GET", fmt.Sprintf("/api/lastest/comment/?ticket=%d&order_by=id", id1), citizen1.Auth, nil), http.StatusOK)
		objs := list.Body["objects"].([]any)
		if len(objs) != 2 || objs[0].(map[string]any)["content"] != "還沒修好" || objs[1].(map[string]any)["author"].(map[string]any)["id"] != float64(chief.ID) {
			t.Errorf("comments: %s", list.Raw)
		}
		if got := ids(t, want(t, "others see none", c.Do(t, "GET", "/api/lastest/comment/", citizen2.Auth, nil), http.StatusOK)); len(got) != 0 {
			t.Errorf("citizen2 sees comments: %v", got)
		}
	})

	t.Run("revoking a role narrows the scope at once", func(t *testing.T) {
		r := want(t, "revoke", c.Do(t, "PATCH", uri("role", chiefRole), admin, map[string]any{"is_active": false}), http.StatusAccepted)
		if r.Body["is_active"] != false {
			t.Errorf("revoke: %s", r.Raw)
		}
		if got := scope("former chief", chief.Auth, ""); len(got) != 0 {
			t.Errorf("former chief sees %v", got)
		}
		want(t, "former chief patches", c.Do(t, "PATCH", uri("ticket", id1), chief.Auth, map[string]any{"status": 2}), http.StatusNotFound)
		r = want(t, "activate again", c.Do(t, "PATCH", uri("role", chiefRole), admin, map[string]any{"is_active": true}), http.StatusAccepted)
		if got := scope("chief again", chief.Auth, ""); !slices.Equal(got, []int64{id1}) {
			t.Errorf("chief again sees %v (%s)", got, r.Raw)
		}
	})

	t.Run("unauthenticated and bad bodies", func(t *testing.T) {
		want(t, "anonymous", c.Do(t, "GET", "/api/lastest/ticket/", "", nil), http.StatusUnauthorized)
		want(t, "wrong key", c.Do(t, "GET", "/api/lastest/ticket/", "ApiKey nobody:"+citizen1.Key, nil), http.StatusUnauthorized)
		for _, body := range []any{"[1]", "{", map[string]any{"village": 999999}, map[string]any{"village": "abc"},
			map[string]any{"village": p.A1}, map[string]any{"village": p.V1, "kind": 1}, map[string]any{"village": p.V1, "status": 3},
			map[string]any{"village": p.V1, "pictures": "many"}, map[string]any{"village": p.V1, "pictures": []string{"exe"}},
			map[string]any{"village": p.V1, "pictures": 11}, map[string]any{"village": p.V1, "title": "a\u0000b"}} {
			r := c.Do(t, "POST", "/api/lastest/ticket/", citizen1.Auth, body)
			if r.Status != http.StatusBadRequest {
				t.Errorf("%v: %d %s", body, r.Status, r.Raw)
			}
		}
		want(t, "options", c.Do(t, "GET", "/api/lastest/ho600_lib/option/?swarm=ticket-status", citizen1.Auth, nil), http.StatusOK)
	})
}

// The officials of a ticket's village and area are mailed when it is
// created and when its status changes.
func TestTicketNoticesMailOfficials(t *testing.T) {
	t.Parallel()
	s, smtp := apptest.StartWithMail(t, nil, apptest.WithConfig(withAppSecret))
	c := apptest.NewClient(s)
	admin := s.AdminBearer(t)
	p := makePlaces(t, c, admin)
	citizen, chief := newMagpieUser(t, c), newMagpieUser(t, c)
	activate(t, c, admin, chief.ID, "村里長", p.V1)
	email := want(t, "chief", c.Do(t, "GET", uri("auth/user", chief.ID), chief.Auth, nil), http.StatusOK).Body["email"].(string)
	tk := newTicket(t, c, citizen.Auth, p.V1, false, nil)
	m := smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Subject, "新案件") }, 10*time.Second)
	if !strings.Contains(m.Body, tk["mail_key"].(string)) {
		t.Errorf("creation mail: %+v", m)
	}
	want(t, "take up", c.Do(t, "PATCH", uri("ticket", int64(tk["id"].(float64))), chief.Auth, map[string]any{"status": 2}), http.StatusAccepted)
	smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Subject, "processing") }, 10*time.Second)
}

// PATCH /api/lastest/auth/user/{id}/: a user's own data.
func TestUserPatchesOwnData(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(withAppSecret))
	c := apptest.NewClient(s)
	u, other := newMagpieUser(t, c), newMagpieUser(t, c)
	r := want(t, "own", c.Do(t, "PATCH", uri("auth/user", u.ID), u.Auth, map[string]any{"first_name": "webmaster", "last_name": "Ho"}), http.StatusAccepted)
	if r.Body["first_name"] != "webmaster" || r.Body["last_name"] != "Ho" {
		t.Errorf("names: %s", r.Raw)
	}
	email := "new_" + apptest.RandomHex(4) + "@example.com"
	r = want(t, "email", c.Do(t, "PATCH", uri("auth/user", u.ID), u.Auth, map[string]any{"email": email}), http.StatusAccepted)
	if r.Body["email"] != email {
		t.Errorf("email: %s", r.Raw)
	}
	want(t, "another's", c.Do(t, "PATCH", uri("auth/user", other.ID), u.Auth, map[string]any{"first_name": "x"}), http.StatusUnauthorized)
	want(t, "bad email", c.Do(t, "PATCH", uri("auth/user", u.ID), u.Auth, map[string]any{"email": "not an address"}), http.StatusBadRequest)
	want(t, "bad type", c.Do(t, "PATCH", uri("auth/user", u.ID), u.Auth, map[string]any{"first_name": 5}), http.StatusBadRequest)
}

// The session the digest login opens authenticates the ticket resources;
// its state changes need Django's CSRF double submit.
func TestTicketsBySessionWithCSRF(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(withAppSecret))
	c := apptest.NewClient(s)
	admin := s.AdminBearer(t)
	p := makePlaces(t, c, admin)
	u := newMagpieUser(t, c)
	app := apptest.NewClient(s)
	salt := "1700000100-" + apptest.RandomHex(4)
	q := fmt.Sprintf("?api_key_id=%d&salt_id=%s&api_key_verify=%s", u.ID, salt, identitycmd.SHA1Hex(u.Key+salt))
	want(t, "digest login", app.Do(t, "GET", "/api/lastest/auth/user/"+q, "", nil), http.StatusOK)
	body := map[string]any{"village": p.V1, "content": "by session"}
	want(t, "list by session", app.Do(t, "GET", "/api/lastest/ticket/", "", nil), http.StatusOK)
	r := want(t, "create without CSRF", app.Do(t, "POST", "/api/lastest/ticket/", "", body), http.StatusForbidden)
	if r.Body["error"] == nil {
		t.Errorf("CSRF refusal: %s", r.Raw)
	}
	app.Headers = map[string]string{"X-CSRFToken": app.Cookie("csrftoken").Value}
	r = want(t, "create with CSRF", app.Do(t, "POST", "/api/lastest/ticket/", "", body), http.StatusCreated)
	if r.Body["creator"].(map[string]any)["id"] != float64(u.ID) {
		t.Errorf("creator: %s", r.Raw)
	}
}
