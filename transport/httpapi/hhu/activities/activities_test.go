package activitieshttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	activitiesproj "github.com/fiveapis/backend/projections/activities"
)

// Integration tests of 001's activities and enrollments through the whole
// server.

type activityPage struct {
	Count    int
	Next     *string
	Previous *string
	Results  []map[string]any
}

func TestActivitiesAdminAndValidation(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.AdminBearer(t)
	u := s.NewHHUStaff(t)

	t.Run("activities are admin business", func(t *testing.T) {
		if r := s.Do(t, "POST", "/api/admin/hhu/activities/", u.Bearer, apptest.HHUActivity("x", 0)); r.Status != http.StatusForbidden {
			t.Fatalf("non-admin create: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", "/api/admin/hhu/activities/", "", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous list: %d %s", r.Status, r.Body)
		}
	})
	t.Run("bad activities are 400 naming the field", func(t *testing.T) {
		// Bad activities get 400s naming the field.
		for _, tc := range []struct {
			name  string
			edit  func(map[string]any)
			field string
		}{
			{"no title", func(b map[string]any) { delete(b, "title") }, "title"},
			{"ends before start", func(b map[string]any) { b["ends_at"] = b["starts_at"] }, "ends_at"},
			{"bad time", func(b map[string]any) { b["starts_at"] = "tomorrow" }, "starts_at"},
			{"negative limit", func(b map[string]any) { b["participant_limit"] = -1 }, "participant_limit"},
			{"form not a list", func(b map[string]any) { b["form"] = map[string]any{} }, "form"},
			{"duplicate field name", func(b map[string]any) { b["form"].([]map[string]any)[1]["name"] = "name" }, "form[1].name"},
			{"choice without choices", func(b map[string]any) { delete(b["form"].([]map[string]any)[2], "choices") }, "form[2].choices"},
			{"unknown field type", func(b map[string]any) { b["form"].([]map[string]any)[0]["type"] = "colour" }, "form[0].type"},
			{"required not a boolean", func(b map[string]any) { b["form"].([]map[string]any)[0]["required"] = "maybe" }, "form[0].required"},
		} {
			b := apptest.HHUActivity("讲座", 0)
			tc.edit(b)
			errs := s.Do(t, "POST", "/api/admin/hhu/activities/", admin, b).FieldErrors(t)
			if len(errs[tc.field]) == 0 {
				t.Errorf("%s: %v, want an error for %s", tc.name, errs, tc.field)
			}
		}
	})

	id := s.CreateHHUActivity(t, admin, apptest.HHUActivity("机器学习讲座", 30))
	path := fmt.Sprintf("/api/admin/hhu/activities/%d/", id)

	t.Run("an admin reads an activity with its form", func(t *testing.T) {
		r := s.Do(t, "GET", path, admin, nil)
		got := r.Map(t)
		if r.Status != http.StatusOK || got["title"] != "机器学习讲座" || len(got["form"].([]any)) != 5 || got["places_left"] != float64(30) {
			t.Fatalf("admin get: %d %s", r.Status, r.Body)
		}
	})
	t.Run("PATCH changes some fields", func(t *testing.T) {
		// PATCH some fields; closing enrollment is its own event.
		r := s.Do(t, "PATCH", path, admin, map[string]any{"location": "笃学楼", "enrollment_open": false})
		if got := r.Map(t); r.Status != http.StatusOK || got["location"] != "笃学楼" || got["enrollment_open"] != false || got["title"] != "机器学习讲座" {
			t.Fatalf("patch: %d %s", r.Status, r.Body)
		}
	})
	t.Run("PUT replaces the activity; every change is an event", func(t *testing.T) {
		// PUT replaces the activity: the form becomes empty, enrollment opens.
		put := apptest.HHUActivity("深度学习讲座", 0)
		delete(put, "form")
		r := s.Do(t, "PUT", path, admin, put)
		if got := r.Map(t); r.Status != http.StatusOK || got["title"] != "深度学习讲座" || len(got["form"].([]any)) != 0 ||
			got["enrollment_open"] != true || got["places_left"] != nil {
			t.Fatalf("put: %d %s", r.Status, r.Body)
		}
		types := map[string]bool{}
		evs, err := s.App.Store().ReadStream(context.Background(), activities.Stream(id), eventlog.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			types[e.Type] = true
		}
		for _, want := range []string{activities.EventActivityCreated, activities.EventActivityChanged, activities.EventEnrollmentClosed, activities.EventEnrollmentOpened} {
			if !types[want] {
				t.Errorf("stream %s lacks %s: %v", activities.Stream(id), want, types)
			}
		}
	})
	t.Run("an unknown activity is 404", func(t *testing.T) {
		if r := s.Do(t, "PATCH", "/api/admin/hhu/activities/999999/", admin, map[string]any{"title": "x"}); r.Status != http.StatusNotFound {
			t.Fatalf("patch missing: %d %s", r.Status, r.Body)
		}
	})
	t.Run("a removed activity is gone", func(t *testing.T) {
		if r := s.Do(t, "DELETE", path, admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		for _, p := range []string{path, fmt.Sprintf("/activities/%d/", id)} {
			if r := s.Do(t, "GET", p, admin, nil); r.Status != http.StatusNotFound {
				t.Fatalf("get deleted %s: %d %s", p, r.Status, r.Body)
			}
		}
		if r := s.Do(t, "DELETE", path, admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("delete twice: %d %s", r.Status, r.Body)
		}
	})
}

func TestActivitiesListAndEnrollments(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.AdminBearer(t)
	alice, bob := s.NewHHUStaff(t), s.NewHHUStaff(t)

	// 22 activities: two pages, newest first.
	var ids []int64
	for i := range 22 {
		ids = append(ids, s.CreateHHUActivity(t, admin, apptest.HHUActivity(fmt.Sprintf("活动 %02d", i), 2)))
	}
	target := ids[3]
	var enrollmentID int64 // alice's enrollment
	carol := s.NewHHUStaff(t)
	t.Run("activities are listed 20 a page, newest first, and searched", func(t *testing.T) {
		var page activityPage
		s.Do(t, "GET", "/activities/", alice.Bearer, nil).JSON(t, &page)
		if page.Count != 22 || len(page.Results) != 20 || page.Next == nil || page.Previous != nil || page.Results[0]["id"] != float64(ids[21]) {
			t.Fatalf("page 1: count %d, %d results, next %v", page.Count, len(page.Results), page.Next)
		}
		next, _ := url.Parse(*page.Next)
		var page2 activityPage
		s.Do(t, "GET", next.RequestURI(), alice.Bearer, nil).JSON(t, &page2)
		if len(page2.Results) != 2 || page2.Next != nil || page2.Previous == nil || page2.Results[1]["id"] != float64(ids[0]) {
			t.Fatalf("page 2: %+v", page2)
		}
		if r := s.Do(t, "GET", "/activities/?page=3", alice.Bearer, nil); r.Status != http.StatusNotFound {
			t.Fatalf("page 3: %d %s", r.Status, r.Body)
		}
		s.Do(t, "GET", "/activities/?search="+url.QueryEscape("活动 03"), alice.Bearer, nil).JSON(t, &page)
		if page.Count != 1 || page.Results[0]["id"] != float64(target) {
			t.Fatalf("search: %+v", page)
		}
		s.Do(t, "GET", "/activities/?search=%25", alice.Bearer, nil).JSON(t, &page)
		if page.Count != 0 {
			t.Fatalf("search %%: %+v", page)
		}
	})

	enroll := func(t *testing.T, auth string, activity any, answers any) apptest.Response {
		return s.Do(t, "POST", "/enrollments/", auth, map[string]any{"activity": activity, "answers": answers})
	}
	good := map[string]any{"name": "Alice", "phone": "13800000000", "size": "M", "days": []string{"周六"}, "age": "30"}
	t.Run("answers are checked against the form; errors name the field", func(t *testing.T) {
		// Answers are checked against the form; errors name the field.
		for _, tc := range []struct {
			name    string
			answers any
			field   string
		}{
			{"required missing", map[string]any{"phone": "13800000000"}, "answers.name"},
			{"bad phone", map[string]any{"name": "A", "phone": "call me"}, "answers.phone"},
			{"bad choice", map[string]any{"name": "A", "phone": "13800000000", "size": "XXL"}, "answers.size"},
			{"bad multichoice", map[string]any{"name": "A", "phone": "13800000000", "days": []string{"周一"}}, "answers.days"},
			{"bad number", map[string]any{"name": "A", "phone": "13800000000", "age": "old"}, "answers.age"},
			{"unknown field", map[string]any{"name": "A", "phone": "13800000000", "shoe": 42}, "answers.shoe"},
			{"answers not an object", []string{"A"}, "answers"},
		} {
			errs := enroll(t, alice.Bearer, target, tc.answers).FieldErrors(t)
			if len(errs[tc.field]) == 0 {
				t.Errorf("%s: %v, want an error for %s", tc.name, errs, tc.field)
			}
		}
		if errs := enroll(t, alice.Bearer, 999999, good).FieldErrors(t); errs["activity"][0] != `Invalid pk "999999" - object does not exist.` {
			t.Fatalf("unknown activity: %v", errs)
		}
		if errs := enroll(t, alice.Bearer, "x", good).FieldErrors(t); len(errs["activity"]) == 0 {
			t.Fatalf("bad activity: %v", errs)
		}
	})

	t.Run("a user enrolls", func(t *testing.T) {
		r := enroll(t, alice.Bearer, target, good)
		if r.Status != http.StatusCreated {
			t.Fatalf("enroll: %d %s", r.Status, r.Body)
		}
		mine := r.Map(t)
		answers := mine["answers"].(map[string]any)
		if answers["age"] != float64(30) || answers["name"] != "Alice" || mine["activity"] != float64(target) {
			t.Fatalf("enrollment: %s", r.Body)
		}
		enrollmentID = int64(mine["id"].(float64))
	})
	t.Run("answers are personal data, sealed in the log", func(t *testing.T) {
		// Answers are personal data: the log holds them sealed, not in clear.
		evs, err := s.App.Store().ReadStream(context.Background(), activities.Stream(target), eventlog.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if strings.Contains(string(e.Data), "13800000000") || strings.Contains(string(e.Data), "Alice") {
				t.Fatalf("%s holds the answers in clear: %s", e.Type, e.Data)
			}
		}
	})
	t.Run("a second enrollment is refused", func(t *testing.T) {
		if errs := enroll(t, alice.Bearer, target, good).FieldErrors(t); len(errs["non_field_errors"]) != 1 {
			t.Fatalf("twice: %v", errs)
		}
	})
	t.Run("closed activities refuse enrollments", func(t *testing.T) {
		// Closed activities refuse enrollments.
		other := ids[4]
		s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/activities/%d/", other), admin, map[string]any{"enrollment_open": false})
		if errs := enroll(t, bob.Bearer, other, good).FieldErrors(t); errs["activity"][0] != "该活动报名已关闭" {
			t.Fatalf("closed: %v", errs)
		}
	})

	t.Run("the detail shows the form, count, places left and my enrollment", func(t *testing.T) {
		// The detail shows the form, the count, places left and my enrollment.
		var page activityPage
		detail := s.Do(t, "GET", fmt.Sprintf("/activities/%d/", target), alice.Bearer, nil).Map(t)
		if detail["enrolled_count"] != float64(1) || detail["places_left"] != float64(1) || detail["is_enrolled"] != true ||
			detail["my_enrollment"].(map[string]any)["id"] != float64(enrollmentID) || len(detail["form"].([]any)) != 5 {
			t.Fatalf("detail: %v", detail)
		}
		if d := s.Do(t, "GET", fmt.Sprintf("/activities/%d/", target), bob.Bearer, nil).Map(t); d["my_enrollment"] != nil || d["is_enrolled"] != false {
			t.Fatalf("bob's detail: %v", d)
		}
		s.Do(t, "GET", "/activities/?my=yes", alice.Bearer, nil).JSON(t, &page)
		if page.Count != 1 || page.Results[0]["id"] != float64(target) || page.Results[0]["is_enrolled"] != true {
			t.Fatalf("my=yes: %+v", page)
		}
		s.Do(t, "GET", "/activities/?my=yes", bob.Bearer, nil).JSON(t, &page)
		if page.Count != 0 {
			t.Fatalf("bob my=yes: %+v", page)
		}
	})

	t.Run("when the last place is taken, the next enrollment is refused", func(t *testing.T) {
		// Bob fills the last place; the next one is refused.
		bobsAnswers := map[string]any{"name": "Bob", "phone": "+86 139-0000-0000", "days": []string{"周六", "周日"}}
		if r := enroll(t, bob.Bearer, target, bobsAnswers); r.Status != http.StatusCreated {
			t.Fatalf("bob enrolls: %d %s", r.Status, r.Body)
		}
		if errs := enroll(t, carol.Bearer, target, good).FieldErrors(t); errs["activity"][0] != "该活动报名人数已满" {
			t.Fatalf("full: %v", errs)
		}
	})

	t.Run("my enrollments; others' are 404, admins see all", func(t *testing.T) {
		// Enrollments: mine, others' are 404, admins see all.
		ep := fmt.Sprintf("/enrollments/%d/", enrollmentID)
		var mineList activityPage
		s.Do(t, "GET", "/enrollments/", alice.Bearer, nil).JSON(t, &mineList)
		if mineList.Count != 1 || mineList.Results[0]["id"] != float64(enrollmentID) {
			t.Fatalf("my enrollments: %+v", mineList)
		}
		if r := s.Do(t, "GET", ep, bob.Bearer, nil); r.Status != http.StatusNotFound {
			t.Fatalf("bob reads alice's: %d", r.Status)
		}
		if r := s.Do(t, "GET", ep, admin, nil); r.Status != http.StatusOK {
			t.Fatalf("admin reads: %d", r.Status)
		}
		if r := s.Do(t, "DELETE", ep, bob.Bearer, nil); r.Status != http.StatusNotFound {
			t.Fatalf("bob withdraws alice's: %d", r.Status)
		}
	})

	// 报名记录: answers and contact; the filter runs over clock-in labels.
	records := func(t *testing.T, filter string) map[string]any {
		r := s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/activities/%d/enrollments/?filter=%s", target, url.QueryEscape(filter)), admin, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("records %q: %d %s", filter, r.Status, r.Body)
		}
		return r.Map(t)
	}
	t.Run("enrollment records show answers and contacts, to admins", func(t *testing.T) {
		all := records(t, "")
		results := all["results"].([]any)
		if all["count"] != float64(2) || all["filter_error"] != nil || len(results) != 2 {
			t.Fatalf("records: %v", all)
		}
		first := results[0].(map[string]any)
		if first["user"].(map[string]any)["username"] != alice.Username || first["user"].(map[string]any)["email"] != alice.Username+"@example.com" ||
			first["answers"].(map[string]any)["phone"] != "13800000000" {
			t.Fatalf("record: %v", first)
		}
		if r := s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/activities/%d/enrollments/", target), alice.Bearer, nil); r.Status != http.StatusForbidden {
			t.Fatalf("records by a user: %d", r.Status)
		}
	})
	t.Run("filters run over clock-in labels", func(t *testing.T) {
		// Nobody clocked in here: 未签到 matches both, 签到 neither, and a
		// malformed filter matches nothing and says why.
		if got := records(t, "未签到"); got["count"] != float64(2) {
			t.Fatalf("未签到: %v", got)
		}
		if got := records(t, "签到了但未签退"); got["count"] != float64(0) {
			t.Fatalf("签到了但未签退: %v", got)
		}
		if got := records(t, "签到且"); got["count"] != float64(0) || got["filter_error"] == nil {
			t.Fatalf("malformed: %v", got)
		}
	})

	t.Run("withdrawing frees the place", func(t *testing.T) {
		// Withdrawing frees the place.
		ep := fmt.Sprintf("/enrollments/%d/", enrollmentID)
		if r := s.Do(t, "DELETE", ep, alice.Bearer, nil); r.Status != http.StatusNoContent {
			t.Fatalf("withdraw: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", ep, alice.Bearer, nil); r.Status != http.StatusNotFound {
			t.Fatalf("withdrawn still there: %d", r.Status)
		}
		if r := enroll(t, carol.Bearer, target, good); r.Status != http.StatusCreated {
			t.Fatalf("carol takes the freed place: %d %s", r.Status, r.Body)
		}
		if d := s.Do(t, "GET", fmt.Sprintf("/activities/%d/", target), alice.Bearer, nil).Map(t); d["enrolled_count"] != float64(2) || d["places_left"] != float64(0) {
			t.Fatalf("after withdraw and re-fill: %v", d)
		}
	})
}

// TestActivitiesLimitExactUnderConcurrency races 60 users for 10 places on
// the real PostgreSQL store: exactly 10 are enrolled, the others refused.
func TestActivitiesLimitExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.AdminBearer(t)
	body := apptest.HHUActivity("限额活动", 10)
	delete(body, "form")
	id := s.CreateHHUActivity(t, admin, body)

	const n = 60
	users := make([]apptest.User, n)
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() { users[i] = s.NewHHUStaff(t) })
	}
	wg.Wait()

	start := make(chan struct{})
	statuses := make([]int, n)
	bodies := make([]string, n)
	for i := range users {
		wg.Go(func() {
			<-start
			r := s.Do(t, "POST", "/enrollments/", users[i].Bearer, map[string]any{"activity": id, "answers": map[string]any{}})
			statuses[i], bodies[i] = r.Status, string(r.Body)
		})
	}
	close(start)
	wg.Wait()
	created, full := 0, 0
	for i, st := range statuses {
		switch {
		case st == http.StatusCreated:
			created++
		case st == http.StatusBadRequest && strings.TrimSpace(bodies[i]) == `{"activity":["该活动报名人数已满"]}`:
			full++
		default:
			t.Errorf("user %d: %d %s", i, st, bodies[i])
		}
	}
	if created != 10 || full != n-10 {
		t.Fatalf("%d enrolled, %d refused as full", created, full)
	}
	evs, err := s.App.Store().ReadStream(context.Background(), activities.Stream(id), eventlog.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	enrolled := 0
	for _, e := range evs {
		if e.Type == activities.EventUserEnrolled {
			enrolled++
		}
	}
	if enrolled != 10 {
		t.Fatalf("the log holds %d enrollments", enrolled)
	}
	d := s.Do(t, "GET", fmt.Sprintf("/activities/%d/", id), admin, nil).Map(t)
	if d["enrolled_count"] != float64(10) || d["places_left"] != float64(0) {
		t.Fatalf("detail: %v", d)
	}
	var records activityPage
	s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/activities/%d/enrollments/", id), admin, nil).JSON(t, &records)
	if records.Count != 10 {
		t.Fatalf("records: %d", records.Count)
	}
}

// TestActivitiesRecordsFilterOverClockIns filters the 报名记录 by the labels
// of the clock-in items each user clocked in at (the clock-in module's read
// model through the ClockInLabels port).
func TestActivitiesRecordsFilterOverClockIns(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.AdminBearer(t)
	body := apptest.HHUActivity("打卡活动", 0)
	delete(body, "form")
	id := s.CreateHHUActivity(t, admin, body)
	names := map[string]apptest.User{}
	for _, who := range []string{"both", "in", "none"} {
		u := s.NewHHUStaff(t)
		names[who] = u
		if r := s.Do(t, "POST", "/enrollments/", u.Bearer, map[string]any{"activity": id}); r.Status != http.StatusCreated {
			t.Fatalf("enroll %s: %d %s", who, r.Status, r.Body)
		}
	}
	items := map[string]int64{}
	for _, label := range []string{"签到", "签退"} {
		r := s.Do(t, "POST", fmt.Sprintf("/api/admin/hhu/activities/%d/clockin-items/", id), admin, map[string]any{
			"label": label, "open_from": apptest.ISO(time.Now().Add(-time.Hour)), "open_to": apptest.ISO(time.Now().Add(time.Hour)),
		})
		if r.Status != http.StatusCreated {
			t.Fatalf("add clock-in item %s: %d %s", label, r.Status, r.Body)
		}
		var out struct{ ID int64 }
		r.JSON(t, &out)
		items[label] = out.ID
	}
	clockIn := func(who, label string) {
		t.Helper()
		r := s.Do(t, "GET", fmt.Sprintf("/activities/clockins/%d/qr/?item=%d", id, items[label]), admin, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("qr %s: %d %s", label, r.Status, r.Body)
		}
		var qr struct{ Code string }
		r.JSON(t, &qr)
		r = s.Do(t, "POST", fmt.Sprintf("/activities/clockins/%d/", id), names[who].Bearer, map[string]any{"item": items[label], "code": qr.Code})
		if r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("%s clocks in at %s: %d %s", who, label, r.Status, r.Body)
		}
	}
	clockIn("both", "签到")
	clockIn("both", "签退")
	clockIn("in", "签到")

	records := func(t *testing.T, filter string) (users []string, filterError any) {
		t.Helper()
		r := s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/activities/%d/enrollments/?filter=%s", id, url.QueryEscape(filter)), admin, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("records %q: %d %s", filter, r.Status, r.Body)
		}
		var out struct {
			Results []struct {
				User     struct{ Username string }
				ClockIns []string
			}
			Labels      []string
			FilterError any `json:"filter_error"`
		}
		r.JSON(t, &out)
		if fmt.Sprint(out.Labels) != "[签到 签退]" {
			t.Errorf("labels: %v", out.Labels)
		}
		for _, rec := range out.Results {
			for who, u := range names {
				if u.Username == rec.User.Username {
					users = append(users, who)
				}
			}
		}
		return users, out.FilterError
	}
	t.Run("filters match the users by their clock-in labels", func(t *testing.T) {
		for _, tc := range []struct {
			filter string
			want   string
		}{
			{"", "[both in none]"},
			{"签到了但未签退", "[in]"},
			{"签到未签退", "[in]"},
			{"签到 且 签退", "[both]"},
			{"未签到", "[none]"},
			{"签到或签退", "[both in]"},
			{"（签到 或 签退）且 未签退", "[in]"},
			{"签", "[]"},
		} {
			got, ferr := records(t, tc.filter)
			if fmt.Sprint(got) != tc.want || got == nil && tc.want != "[]" || ferr != nil {
				t.Errorf("filter %q: %v (filter_error %v), want %s", tc.filter, got, ferr, tc.want)
			}
		}
	})
	t.Run("a malformed filter matches nothing and says why", func(t *testing.T) {
		for _, bad := range []string{"签到且", "(签到", "或签退"} {
			if got, ferr := records(t, bad); len(got) != 0 || ferr == nil {
				t.Errorf("malformed %q: %v, filter_error %v", bad, got, ferr)
			}
		}
	})
}

// TestActivitiesAnswersErasable erases a user's personal data and rebuilds
// the read model: their answers are gone, the others' stay.
func TestActivitiesAnswersErasable(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	ctx := context.Background()
	admin := s.AdminBearer(t)
	id := s.CreateHHUActivity(t, admin, apptest.HHUActivity("可擦除", 0))
	enrollments := map[string]int64{}
	users := map[string]apptest.User{"erased": s.NewHHUStaff(t), "kept": s.NewHHUStaff(t)}
	for who, u := range users {
		r := s.Do(t, "POST", "/enrollments/", u.Bearer, map[string]any{"activity": id, "answers": map[string]any{"name": who, "phone": "13800000000"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("enroll %s: %d %s", who, r.Status, r.Body)
		}
		enrollments[who] = int64(r.Map(t)["id"].(float64))
	}
	if err := s.App.Vault().Erase(ctx, identity.UserDataSubject(int64(users["erased"].ID))); err != nil {
		t.Fatal(err)
	}
	generation := func() (int, bool) {
		sts, err := s.App.Engine().Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range sts {
			if st.Name == activitiesproj.ProjectionName {
				return st.ActiveGeneration, st.Rebuilding
			}
		}
		t.Fatalf("no projection %s", activitiesproj.ProjectionName)
		return 0, false
	}
	before, _ := generation()
	if err := s.App.Engine().Rebuild(ctx, activitiesproj.ProjectionName); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if g, rebuilding := generation(); g > before && !rebuilding {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not rebuilt", activitiesproj.ProjectionName)
		}
	}
	for who, want := range map[string]int{"erased": 0, "kept": 2} {
		r := s.Do(t, "GET", fmt.Sprintf("/enrollments/%d/", enrollments[who]), admin, nil)
		if got := r.Map(t)["answers"].(map[string]any); r.Status != http.StatusOK || len(got) != want {
			t.Errorf("%s after rebuild: %d %s", who, r.Status, r.Body)
		}
	}
}
