package calendar_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

func TestLunarAndHolidays(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	t.Run("the web client's ?date= and the seed's ?year&month&day", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/lunar/?date=2025-11-05", "", nil).Want(t, "lunar", http.StatusOK).Map(t)
		apptest.CheckReads(t, r, map[string]string{"lunar_date": "string", "zodiac": "string", "lunarDate": "string", "isleap": "bool",
			"year": "int", "month": "int", "day": "int"})
		if r["lunar_date"] != "农历2025年九月十六" || r["lunarDate"] != "2025年九月十六" || r["zodiac"] != "蛇" || r["isleap"] != false {
			t.Fatalf("lunar: %v", r)
		}
		r = s.Do(t, "GET", "/api/lunar/?year=2025&month=8&day=1", "", nil).Want(t, "seed lunar", http.StatusOK).Map(t)
		if r["lunarDate"] != "2025年闰六月初八" || r["isleap"] != true {
			t.Fatalf("leap month: %v", r)
		}
	})
	t.Run("a missing or malformed date is 400 in Ralendar's words", func(t *testing.T) {
		for _, q := range []string{"", "?date=2025-13-01", "?date=yesterday", "?year=2025&month=2&day=30", "?year=x&month=1&day=1", "?date=1800-01-01"} {
			r := s.Do(t, "GET", "/api/lunar/"+q, "", nil)
			if r.Status != http.StatusBadRequest || r.Map(t)["error"] == nil {
				t.Errorf("%q: %d %s", q, r.Status, r.Body)
			}
		}
	})
	t.Run("holidays: the year's arrangement, a day, today", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/holidays/?year=2025", "", nil).Want(t, "holidays", http.StatusOK).Map(t)
		if r["count"].(float64) < 20 {
			t.Fatalf("2025: %v", r)
		}
		r = s.Do(t, "GET", "/api/holidays/check/?date=2025-01-29", "", nil).Want(t, "check", http.StatusOK).Map(t)
		apptest.CheckReads(t, r, map[string]string{"date": "string", "lunar": "string", "festivals": "list",
			"traditional_festivals": "list", "international_festivals": "list", "festivals.0.name": "string",
			"festivals.0.emoji": "string", "festivals.0.type": "string"})
		if r["is_holiday"] != true || r["lunar"] != "正月初一" {
			t.Fatalf("spring festival: %v", r)
		}
		r = s.Do(t, "GET", "/api/holidays/check/?date=2025-09-28", "", nil).Want(t, "make-up workday", http.StatusOK).Map(t)
		if r["is_workday"] != true || r["is_holiday"] != false || r["holiday"].(map[string]any)["type"] != "workday" {
			t.Fatalf("make-up workday (a Sunday): %v", r)
		}
		r = s.Do(t, "GET", "/api/holidays/check/?date=2025-06-10", "", nil).Want(t, "ordinary", http.StatusOK).Map(t)
		if fs, ok := r["festivals"].([]any); !ok || fs == nil {
			t.Fatalf("festivals must always be a list: %v", r)
		}
		s.Do(t, "GET", "/api/holidays/today/", "", nil).Want(t, "today", http.StatusOK)
		s.Do(t, "GET", "/api/holidays/check/", "", nil).Want(t, "no date", http.StatusBadRequest)
	})
}

func TestPublicCalendars(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	owner, other, sub := s.NewUser(t), s.NewUser(t), s.NewUser(t)
	admin := s.AdminBearer(t)
	var cal map[string]any
	t.Run("china-holidays exists from the first start", func(t *testing.T) {
		var list []map[string]any
		deadline := time.Now().Add(10 * time.Second)
		for {
			s.Do(t, "GET", "/api/calendars/", "", nil).Want(t, "list", http.StatusOK).JSON(t, &list)
			if len(list) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(list) != 1 || list[0]["url_slug"] != "china-holidays" || list[0]["events_count"].(float64) < 20 {
			t.Fatalf("calendars: %v", list)
		}
		s.Do(t, "GET", "/api/calendars/china-holidays/", "", nil).Want(t, "by slug", http.StatusOK)
	})
	t.Run("create, slug unique, owner or admin edits", func(t *testing.T) {
		cal = s.Do(t, "POST", "/api/calendars/", owner.Bearer, map[string]any{"name": "我的课程表", "url_slug": "my-schedule", "description": "课"}).Want(t, "create", http.StatusCreated).Map(t)
		if cal["url_slug"] != "my-schedule" || cal["created_by"] != owner.ID || cal["is_public"] != true {
			t.Fatalf("created: %v", cal)
		}
		s.Do(t, "POST", "/api/calendars/", other.Bearer, map[string]any{"name": "x", "url_slug": "my-schedule"}).WantField(t, "slug taken", "url_slug")
		s.Do(t, "POST", "/api/calendars/", other.Bearer, map[string]any{"name": "x", "url_slug": "not a slug"}).WantField(t, "bad slug", "url_slug")
		s.Do(t, "POST", "/api/calendars/", other.Bearer, map[string]any{"url_slug": "x1"}).WantField(t, "no name", "name")
		path := fmt.Sprintf("/api/calendars/%d/", int64(cal["id"].(float64)))
		s.Do(t, "PATCH", path, other.Bearer, map[string]any{"name": "mine"}).Want(t, "other edits", http.StatusForbidden)
		s.Do(t, "PATCH", path, owner.Bearer, map[string]any{"name": "课程表"}).Want(t, "owner edits", http.StatusOK)
		r := s.Do(t, "PATCH", path, admin, map[string]any{"description": "管理员改"}).Want(t, "admin edits", http.StatusOK).Map(t)
		if r["name"] != "课程表" || r["description"] != "管理员改" {
			t.Fatalf("edited: %v", r)
		}
	})
	t.Run("subscribers' range queries include the calendar's events, marked", func(t *testing.T) {
		id := int64(cal["id"].(float64))
		s.Do(t, "POST", fmt.Sprintf("/api/calendars/%d/events/", id), other.Bearer, map[string]any{"title": "x", "start_time": "2026-03-02T08:00:00+08:00"}).Want(t, "other adds", http.StatusForbidden)
		s.Do(t, "POST", fmt.Sprintf("/api/calendars/%d/events/", id), owner.Bearer, map[string]any{"title": "高数", "start_time": "2026-03-02T08:00:00+08:00"}).Want(t, "owner adds", http.StatusCreated)
		createEvent(t, s, sub.Bearer, map[string]any{"title": "自己的", "start_time": "2026-03-03T08:00:00+08:00"})
		r := s.Do(t, "POST", "/api/calendars/my-schedule/subscribe/", sub.Bearer, nil).Want(t, "subscribe", http.StatusOK).Map(t)
		if r["success"] != true || r["synced_events_count"] != float64(1) {
			t.Fatalf("subscribe: %v", r)
		}
		s.Do(t, "POST", "/api/calendars/china-holidays/subscribe/", sub.Bearer, nil).Want(t, "subscribe holidays", http.StatusOK)
		var page struct {
			Count   int
			Results []map[string]any
		}
		s.Do(t, "GET", "/api/events/?start_date=2026-03-01&end_date=2026-03-31", sub.Bearer, nil).Want(t, "range", http.StatusOK).JSON(t, &page)
		if page.Count != 2 || page.Results[0]["title"] != "高数" || page.Results[0]["is_public_calendar"] != true || page.Results[1]["is_public_calendar"] != false {
			t.Fatalf("subscriber's March: %+v", page)
		}
		s.Do(t, "GET", "/api/events/?start_date=2026-10-01&end_date=2026-10-08", sub.Bearer, nil).Want(t, "national day", http.StatusOK).JSON(t, &page)
		if page.Count < 7 || page.Results[0]["is_public_calendar"] != true || page.Results[0]["all_day"] != true || page.Results[0]["calendar"] == nil {
			t.Fatalf("subscriber's national day: %+v", page)
		}
		s.Do(t, "POST", "/api/calendars/my-schedule/unsubscribe/", sub.Bearer, nil).Want(t, "unsubscribe", http.StatusOK)
		s.Do(t, "GET", "/api/events/?start_date=2026-03-01&end_date=2026-03-31", sub.Bearer, nil).JSON(t, &page)
		if page.Count != 1 {
			t.Fatalf("after unsubscribing: %+v", page)
		}
	})
	t.Run("delete by the owner; then 404", func(t *testing.T) {
		path := fmt.Sprintf("/api/calendars/%d/", int64(cal["id"].(float64)))
		s.Do(t, "DELETE", path, other.Bearer, nil).Want(t, "other deletes", http.StatusForbidden)
		s.Do(t, "DELETE", path, owner.Bearer, nil).Want(t, "owner deletes", http.StatusNoContent)
		s.Do(t, "GET", path, "", nil).Want(t, "deleted", http.StatusNotFound)
	})
}
