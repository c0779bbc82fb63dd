package calendar_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// TestRalendarClientsCalendarCalls replays the calendar calls of Ralendar's
// web, AcApp and Android clients (shared/clients.md §2–3) and checks the
// type of every field they read.
func TestRalendarClientsCalendarCalls(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	u := s.NewUser(t)
	var id int64
	t.Run("web eventAPI.create (AI path): naive time, all_day, empty location", func(t *testing.T) {
		r := s.Do(t, "POST", "/api/events/", u.Bearer, map[string]any{"title": "AI 日程", "start_time": "2026-01-05T09:00:00",
			"end_time": "2026-01-05T10:00:00", "description": "", "location": "", "all_day": false, "reminder_minutes": 15})
		if r.Status/100 != 2 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id = r.ID(t)
	})
	t.Run("web/AcApp eventAPI.getAll reads results", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/events/", u.Bearer, nil).Want(t, "list", http.StatusOK).Map(t)
		apptest.CheckReads(t, r, map[string]string{"results": "list", "results.0.id": "number", "results.0.title": "string",
			"results.0.start_time": "string", "results.0.end_time": "string|null", "results.0.description": "string",
			"results.0.location": "string", "results.0.reminder_minutes": "number", "results.0.is_public_calendar": "bool|absent"})
		if st := r["results"].([]any)[0].(map[string]any)["start_time"].(string); strings.Split(st, "T")[0] != "2026-01-05" {
			t.Fatalf("start_time %s: the client splits on T for the day", st)
		}
	})
	t.Run("Android CloudEventListResponse", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/events/", u.Bearer, nil).Want(t, "list", http.StatusOK).Map(t)
		apptest.CheckReads(t, r, map[string]string{"count": "number", "next": "string|null", "previous": "string|null",
			"results.0.id": "number", "results.0.title": "string", "results.0.description": "string|null", "results.0.start_time": "string",
			"results.0.end_time": "string|null", "results.0.location": "string|null", "results.0.reminder_minutes": "number",
			"results.0.map_url": "string|null", "results.0.is_public_calendar": "bool", "results.0.created_at": "string", "results.0.updated_at": "string"})
	})
	t.Run("web eventAPI.update sends the whole object; delete", func(t *testing.T) {
		var ev map[string]any
		s.Do(t, "GET", fmt.Sprintf("/api/events/%d/", id), u.Bearer, nil).Want(t, "get", http.StatusOK).JSON(t, &ev)
		ev["title"] = "改过"
		s.Do(t, "PUT", fmt.Sprintf("/api/events/%d/", id), u.Bearer, ev).Want(t, "put whole object", http.StatusOK)
		s.Do(t, "DELETE", fmt.Sprintf("/api/events/%d/", id), u.Bearer, nil).Want(t, "delete", http.StatusNoContent)
	})
	t.Run("web lunarAPI and holidayAPI without a token; Android checkHoliday", func(t *testing.T) {
		r := s.Do(t, "GET", "/api/lunar/?date=2025-11-05", "", nil).Want(t, "lunar", http.StatusOK).Map(t)
		apptest.CheckReads(t, r, map[string]string{"lunar_date": "string", "zodiac": "string"})
		s.Do(t, "GET", "/api/holidays/?year=2026", "", nil).Want(t, "holidays", http.StatusOK)
		s.Do(t, "GET", "/api/holidays/today/", "", nil).Want(t, "today", http.StatusOK)
		r = s.Do(t, "GET", "/api/holidays/check/?date=2026-10-01", "", nil).Want(t, "check", http.StatusOK).Map(t)
		apptest.CheckReads(t, r, map[string]string{"date": "string", "lunar": "string", "festivals": "list", "festivals.0.name": "string",
			"festivals.0.emoji": "string", "festivals.0.type": "string"})
	})
	t.Run("web calendarAPI: the list and a calendar's feed", func(t *testing.T) {
		var list []map[string]any
		s.Do(t, "GET", "/api/calendars/", "", nil).Want(t, "calendars", http.StatusOK).JSON(t, &list)
		r := s.Do(t, "GET", "/api/calendars/china-holidays/feed/", "", nil).Want(t, "feed", http.StatusOK)
		if !strings.HasPrefix(string(r.Body), "BEGIN:VCALENDAR\r\n") {
			t.Fatalf("feed: %.80s", r.Body)
		}
	})
}
