package tripshttp_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// Integration tests of Roamio's trip plans through the whole server.

type tripOut struct {
	ID         int64
	Slug       string
	Title      string
	Name       string
	Status     string
	Visibility string
	DaysCount  int `json:"days_count"`
	Views      int64
	Likes      int64
	Checkins   int64
	CheckedIn  bool `json:"checked_in"`
	Author     struct {
		ID       int64
		Username string
	}
	Stats struct {
		Views, Likes  int64
		CommentsCount int `json:"comments_count"`
	}
	Overview map[string]any
	Config   map[string]any
}

func editorPlan(title string) map[string]any {
	// The web editor's whole object (clients.md §1, tripPlan.js createTripPlan).
	return map[string]any{"title": title, "description": "一场说走就走的旅行", "icon": "🏔️", "start_date": nil, "end_date": nil,
		"status": "draft", "visibility": "private", "theme_color": "#f0e68c", "background_music": "",
		"config": map[string]any{"enabledModules": []string{"basicInfo", "highlights"}},
		"overview": map[string]any{"basicInfo": map[string]any{"departure": "北京", "destination": "云南"}, "highlights": []string{"丽江"},
			"itinerary": []any{}, "budget": map[string]any{"items": []any{}, "total": 0}, "tips": []any{}},
		"created_at": nil, "updated_at": nil}
}

func createPlan(t *testing.T, s *apptest.Server, bearer string, body map[string]any) tripOut {
	t.Helper()
	var out struct {
		Slug   string
		ID     int64
		Author int64
	}
	s.Do(t, "POST", "/api/v1/trip-plans/", bearer, body).Want(t, "create plan", http.StatusCreated).JSON(t, &out)
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(out.Slug) {
		t.Fatalf("slug %q is not 12 lowercase hex characters", out.Slug)
	}
	return tripOut{ID: out.ID, Slug: out.Slug}
}

func TestTripPlans(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	alice, bob := s.NewUser(t), s.NewUser(t)

	t.Run("anonymous cannot create", func(t *testing.T) {
		r := s.Do(t, "POST", "/api/v1/trip-plans/", "", editorPlan("x")).Want(t, "anonymous create", http.StatusUnauthorized)
		if m := r.Map(t); m["error_code"] != "UNAUTHORIZED" {
			t.Errorf("error_code = %v, want UNAUTHORIZED: %s", m["error_code"], r.Body)
		}
	})

	p := createPlan(t, s, alice.Bearer, editorPlan("云南之旅"))
	path := "/api/v1/trip-plans/" + p.Slug + "/"

	t.Run("private plan is 404 to others and 200 to its author", func(t *testing.T) {
		s.Do(t, "GET", path, "", nil).Want(t, "anonymous read", http.StatusNotFound)
		s.Do(t, "GET", path, bob.Bearer, nil).Want(t, "other read", http.StatusNotFound)
		s.Do(t, "GET", "/api/v1/trips/"+p.Slug+"/", bob.Bearer, nil).Want(t, "other trip read", http.StatusNotFound)
		var got tripOut
		s.Do(t, "GET", path, alice.Bearer, nil).Want(t, "author read", http.StatusOK).JSON(t, &got)
		if got.Title != "云南之旅" || got.Name != got.Title || got.Author.Username != alice.Username || got.Overview["basicInfo"] == nil {
			t.Errorf("plan = %+v", got)
		}
		s.Do(t, "PATCH", path, bob.Bearer, map[string]any{"title": "mine"}).Want(t, "other edits private", http.StatusNotFound)
	})

	t.Run("not in the public list until public and published", func(t *testing.T) {
		if n := countPublic(t, s, p.Slug); n != 0 {
			t.Fatalf("private draft listed")
		}
		var got tripOut
		s.Do(t, "PATCH", path, alice.Bearer, map[string]any{"visibility": "public"}).Want(t, "make public", http.StatusOK).JSON(t, &got)
		if got.Visibility != "public" || got.Status != "draft" || got.Title != "云南之旅" {
			t.Fatalf("after make public: %+v", got)
		}
		if n := countPublic(t, s, p.Slug); n != 0 {
			t.Fatalf("public draft listed")
		}
		s.Do(t, "PATCH", path, alice.Bearer, map[string]any{"status": "published"}).Want(t, "publish", http.StatusOK)
		if n := countPublic(t, s, p.Slug); n != 1 {
			t.Fatalf("published plan listed %d times", n)
		}
	})

	t.Run("others are 403 on a visible plan", func(t *testing.T) {
		s.Do(t, "PATCH", path, bob.Bearer, map[string]any{"title": "mine"}).Want(t, "other edit", http.StatusForbidden)
		s.Do(t, "DELETE", path, bob.Bearer, nil).Want(t, "other delete", http.StatusForbidden)
		s.Do(t, "PATCH", path, s.AdminBearer(t), map[string]any{"description": "admin"}).Want(t, "admin edit", http.StatusOK)
	})

	t.Run("the editor's merged object is accepted", func(t *testing.T) {
		var loaded map[string]any
		s.Do(t, "GET", path, alice.Bearer, nil).Want(t, "load", http.StatusOK).JSON(t, &loaded)
		loaded["title"] = "云南秘境探索"
		loaded["start_date"], loaded["end_date"] = "2025-11-15", "2025-11-20"
		var got tripOut
		s.Do(t, "PATCH", path, alice.Bearer, loaded).Want(t, "merged patch", http.StatusOK).JSON(t, &got)
		if got.Title != "云南秘境探索" || got.DaysCount != 6 {
			t.Errorf("after merged patch: %+v", got)
		}
	})

	t.Run("detail by slug and trip-<id>, views once per caller", func(t *testing.T) {
		var a, b tripOut
		s.Do(t, "GET", "/api/v1/trips/"+p.Slug+"/", bob.Bearer, nil).Want(t, "detail", http.StatusOK).JSON(t, &a)
		s.Do(t, "GET", fmt.Sprintf("/api/v1/trips/trip-%d/", a.ID), bob.Bearer, nil).Want(t, "detail by id", http.StatusOK).JSON(t, &b)
		if a.Views != 1 || b.Views != 1 || b.Slug != p.Slug || a.Stats.Views != 1 {
			t.Errorf("views after two reads by one caller: %d, %d", a.Views, b.Views)
		}
		s.Do(t, "GET", "/api/v1/trips/"+p.Slug+"/", "", nil).Want(t, "anonymous detail", http.StatusOK).JSON(t, &a)
		if a.Views != 2 {
			t.Errorf("views after another caller: %d", a.Views)
		}
	})

	t.Run("likes and check-ins once per caller", func(t *testing.T) {
		like := func(auth string) map[string]any {
			return s.Do(t, "POST", "/api/v1/trips/"+p.Slug+"/like/", auth, nil).Want(t, "like", http.StatusOK).Map(t)
		}
		for range 3 {
			like("")
		}
		like(bob.Bearer)
		if got := like(bob.Bearer)["likes"]; got != float64(2) {
			t.Errorf("likes = %v, want 2 (one anonymous address, one user)", got)
		}
		s.Do(t, "POST", "/api/v1/trips/"+p.Slug+"/checkin/", "", nil).Want(t, "checkin", http.StatusOK)
		var st map[string]any
		s.Do(t, "GET", "/api/v1/trips/"+p.Slug+"/stats/", "", nil).Want(t, "stats", http.StatusOK).JSON(t, &st)
		if st["likes"] != float64(2) || st["checked_in"] != true || st["checkins"] != float64(1) || st["page"] != p.Slug {
			t.Errorf("stats = %v", st)
		}
	})

	t.Run("public list rows carry name and stats", func(t *testing.T) {
		var page struct {
			Count   int
			Results []tripOut
		}
		s.Do(t, "GET", "/api/v1/trips/?page_size=1000", "", nil).Want(t, "list", http.StatusOK).JSON(t, &page)
		if page.Count < 1 || len(page.Results) > 100 || page.Results[0].Name == "" || page.Results[0].Stats.Likes != 2 {
			t.Errorf("page = %+v", page)
		}
		s.Do(t, "GET", "/api/v1/trips/?page=999", "", nil).Want(t, "page beyond", http.StatusNotFound)
	})

	t.Run("profile stats count trips", func(t *testing.T) {
		createPlan(t, s, alice.Bearer, editorPlan("second, private"))
		var prof struct {
			Stats struct {
				TripsCount       int `json:"trips_count"`
				PublicTripsCount int `json:"public_trips_count"`
			}
		}
		s.Do(t, "GET", fmt.Sprintf("/api/v1/users/%d/profile/", int64(alice.ID)), "", nil).Want(t, "profile", http.StatusOK).JSON(t, &prof)
		if prof.Stats.TripsCount != 2 || prof.Stats.PublicTripsCount != 1 {
			t.Errorf("stats = %+v", prof.Stats)
		}
	})

	t.Run("clone and my_trips", func(t *testing.T) {
		var c tripOut
		s.Do(t, "POST", path+"clone/", bob.Bearer, nil).Want(t, "clone", http.StatusCreated).JSON(t, &c)
		if c.Slug == p.Slug || c.Visibility != "private" || c.Author.ID != int64(bob.ID) {
			t.Errorf("clone = %+v", c)
		}
		var mine struct{ Count int }
		s.Do(t, "GET", "/api/v1/trip-plans/my_trips/", bob.Bearer, nil).Want(t, "my trips", http.StatusOK).JSON(t, &mine)
		if mine.Count != 1 {
			t.Errorf("bob's trips = %d", mine.Count)
		}
	})

	t.Run("bad input names the field", func(t *testing.T) {
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"title": ""}, "title"},
			{map[string]any{"title": "x", "config": []int{1}}, "config"},
			{map[string]any{"title": "x", "status": "gone"}, "status"},
			{map[string]any{"title": "x", "start_date": "2025-13-01"}, "start_date"},
			{map[string]any{"title": "x", "start_date": "2025-11-20", "end_date": "2025-11-01"}, "end_date"},
			{map[string]any{"title": string(make([]byte, 300))}, "title"},
		} {
			r := s.Do(t, "POST", "/api/v1/trip-plans/", alice.Bearer, tc.body)
			m := r.Map(t)
			details, _ := m["details"].(map[string]any)
			if r.Status != http.StatusBadRequest || m["error_code"] != "INVALID_INPUT" || details[tc.field] == nil {
				t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
			}
		}
	})

	t.Run("delete by the author", func(t *testing.T) {
		s.Do(t, "DELETE", path, alice.Bearer, nil).Want(t, "delete", http.StatusNoContent)
		s.Do(t, "GET", path, alice.Bearer, nil).Want(t, "deleted", http.StatusNotFound)
	})
}

func countPublic(t *testing.T, s *apptest.Server, slug string) int {
	t.Helper()
	var page struct{ Results []tripOut }
	s.Do(t, "GET", "/api/v1/trips/?page_size=100", "", nil).Want(t, "public list", http.StatusOK).JSON(t, &page)
	n := 0
	for _, r := range page.Results {
		if r.Slug == slug {
			n++
		}
	}
	return n
}

func TestTripEvents(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	alice, bob := s.NewUser(t), s.NewUser(t)
	p := createPlan(t, s, alice.Bearer, map[string]any{"title": "东京", "visibility": "public", "status": "published"})
	base := fmt.Sprintf("/api/v1/trip-plans/%d/events/", p.ID)
	item := map[string]any{"title": "飞机起飞", "description": "T3", "eventTime": "2025-11-15T10:00",
		"location": map[string]any{"name": "首都机场", "address": "北京", "lat": 40.08, "lng": 116.6},
		"reminder": map[string]any{"enabled": true, "time": 30, "method": "email"}}

	var created struct {
		ID        int64
		EventTime string `json:"event_time"`
		Location  struct{ Name string }
		Reminder  struct{ Enabled bool }
	}
	t.Run("the author adds, others are 403", func(t *testing.T) {
		s.Do(t, "POST", base, bob.Bearer, item).Want(t, "other adds", http.StatusForbidden)
		s.Do(t, "POST", base, alice.Bearer, item).Want(t, "author adds", http.StatusCreated).JSON(t, &created)
		if created.EventTime != "2025-11-15T10:00:00+08:00" || created.Location.Name != "首都机场" || !created.Reminder.Enabled {
			t.Errorf("created = %+v", created)
		}
	})
	one := fmt.Sprintf("%s%d/", base, created.ID)
	t.Run("others are 404 on edit", func(t *testing.T) {
		s.Do(t, "PUT", one, bob.Bearer, map[string]any{"title": "x"}).Want(t, "other edits", http.StatusNotFound)
		s.Do(t, "DELETE", one, bob.Bearer, nil).Want(t, "other deletes", http.StatusNotFound)
		s.Do(t, "POST", one+"toggle_complete/", bob.Bearer, nil).Want(t, "other toggles", http.StatusNotFound)
	})
	t.Run("edit and toggle", func(t *testing.T) {
		var got map[string]any
		s.Do(t, "PATCH", one, alice.Bearer, map[string]any{"title": "登机"}).Want(t, "edit", http.StatusOK).JSON(t, &got)
		if got["title"] != "登机" {
			t.Errorf("edited = %v", got)
		}
		s.Do(t, "POST", one+"toggle_complete/", alice.Bearer, nil).Want(t, "toggle", http.StatusOK).JSON(t, &got)
		if got["is_completed"] != true || got["status"] != "completed" {
			t.Errorf("toggled = %v", got)
		}
	})
	t.Run("batch from local", func(t *testing.T) {
		var got struct {
			Count  int
			Events []struct{ ID int64 }
		}
		s.Do(t, "POST", base+"batch_create_from_local/", alice.Bearer, map[string]any{"events": []any{
			map[string]any{"title": "午饭", "eventTime": "2025-11-15T12:00"},
			map[string]any{"title": "晚饭", "event_time": "2025-11-15T18:00:00Z"},
		}}).Want(t, "batch", http.StatusCreated).JSON(t, &got)
		if got.Count != 2 || len(got.Events) != 2 {
			t.Errorf("batch = %+v", got)
		}
		r := s.Do(t, "POST", base+"batch_create_from_local/", alice.Bearer, map[string]any{"events": []any{map[string]any{"title": ""}}})
		if r.Status != http.StatusBadRequest {
			t.Errorf("blank title in batch: %d %s", r.Status, r.Body)
		}
		var list []map[string]any
		s.Do(t, "GET", base, "", nil).Want(t, "list", http.StatusOK).JSON(t, &list)
		if len(list) != 3 || list[0]["title"] != "登机" {
			t.Errorf("list = %v", list)
		}
	})
	t.Run("delete", func(t *testing.T) {
		s.Do(t, "DELETE", one, alice.Bearer, nil).Want(t, "delete", http.StatusNoContent)
		s.Do(t, "GET", one, alice.Bearer, nil).Want(t, "deleted", http.StatusNotFound)
	})
}
