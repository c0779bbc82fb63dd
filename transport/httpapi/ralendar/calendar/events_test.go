package calendar_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// Integration tests of Ralendar's events through the whole server.

type eventOut struct {
	ID               int64
	User             int64
	Title            string
	Description      string
	StartTime        string  `json:"start_time"`
	EndTime          *string `json:"end_time"`
	Location         string
	Latitude         *float64
	Longitude        *float64
	MapURL           *string `json:"map_url"`
	ReminderMinutes  int     `json:"reminder_minutes"`
	EmailReminder    bool    `json:"email_reminder"`
	NotificationSent bool    `json:"notification_sent"`
	RelatedTripSlug  *string `json:"related_trip_slug"`
	SourceApp        string  `json:"source_app"`
	SourceID         *string `json:"source_id"`
}

type pageOut struct {
	Count    int
	Next     *string
	Previous *string
	Results  []eventOut
}

func createEvent(t *testing.T, s *apptest.Server, auth string, body map[string]any) eventOut {
	t.Helper()
	var out eventOut
	s.Do(t, "POST", "/api/events/", auth, body).Want(t, "create event", http.StatusCreated).JSON(t, &out)
	return out
}

func listEvents(t *testing.T, s *apptest.Server, auth, query string) pageOut {
	t.Helper()
	var out pageOut
	s.Do(t, "GET", "/api/events/"+query, auth, nil).Want(t, "list "+query, http.StatusOK).JSON(t, &out)
	return out
}

func TestEvents(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	u := s.NewUser(t)
	o := s.NewUser(t)
	var meeting eventOut

	t.Run("create answers the event with the defaults", func(t *testing.T) {
		meeting = createEvent(t, s, u.Bearer, map[string]any{"title": "团队会议", "description": "讨论Q4计划",
			"start_time": "2025-11-07T14:00:00Z", "end_time": "2025-11-07T15:30:00Z", "location": "公司会议室"})
		if meeting.ID == 0 || int64(u.ID) != meeting.User || meeting.ReminderMinutes != 15 || !meeting.EmailReminder ||
			meeting.StartTime != "2025-11-07T22:00:00+08:00" || meeting.EndTime == nil || *meeting.EndTime != "2025-11-07T23:30:00+08:00" ||
			meeting.MapURL != nil || meeting.SourceApp != "manual" || meeting.NotificationSent {
			t.Fatalf("created: %+v", meeting)
		}
	})
	t.Run("the web client's naive time is China time", func(t *testing.T) {
		e := createEvent(t, s, u.Bearer, map[string]any{"title": "AI", "start_time": "2025-11-08T09:30:00", "end_time": "2025-11-08T10:00:00",
			"description": "", "location": "", "all_day": false, "reminder_minutes": 0})
		if e.StartTime != "2025-11-08T09:30:00+08:00" || e.ReminderMinutes != 0 {
			t.Fatalf("naive: %+v", e)
		}
	})
	t.Run("bad input is 400 naming the field", func(t *testing.T) {
		for _, c := range []struct {
			name, field string
			body        map[string]any
		}{
			{"missing title", "title", map[string]any{"start_time": "2025-11-07T14:00:00Z"}},
			{"blank title", "title", map[string]any{"title": "  ", "start_time": "2025-11-07T14:00:00Z"}},
			{"missing start", "start_time", map[string]any{"title": "x"}},
			{"malformed start", "start_time", map[string]any{"title": "x", "start_time": "yesterday"}},
			{"end before start", "end_time", map[string]any{"title": "x", "start_time": "2025-11-07T14:00:00Z", "end_time": "2025-11-07T13:00:00Z"}},
			{"latitude alone", "longitude", map[string]any{"title": "x", "start_time": "2025-11-07T14:00:00Z", "latitude": 30}},
			{"latitude out of range", "latitude", map[string]any{"title": "x", "start_time": "2025-11-07T14:00:00Z", "latitude": 91, "longitude": 120}},
			{"longitude out of range", "longitude", map[string]any{"title": "x", "start_time": "2025-11-07T14:00:00Z", "latitude": 30, "longitude": -181}},
			{"longitude not a number", "longitude", map[string]any{"title": "x", "start_time": "2025-11-07T14:00:00Z", "latitude": 30, "longitude": "east"}},
			{"reminder not a choice", "reminder_minutes", map[string]any{"title": "x", "start_time": "2025-11-07T14:00:00Z", "reminder_minutes": 7}},
			{"NUL in the title", "title", map[string]any{"title": "a\x00b", "start_time": "2025-11-07T14:00:00Z"}},
			{"unknown map provider", "map_provider", map[string]any{"title": "x", "start_time": "2025-11-07T14:00:00Z", "map_provider": "osm"}},
		} {
			r := s.Do(t, "POST", "/api/events/", u.Bearer, c.body)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+c.field+`"`) {
				t.Errorf("%s: %d %s (want 400 naming %s)", c.name, r.Status, r.Body, c.field)
			}
		}
	})
	t.Run("map_url per provider; amap takes lon,lat", func(t *testing.T) {
		for provider, want := range map[string]string{
			"amap":    "https://uri.amap.com/marker?coordinate=gaode&name=%E5%A4%96%E6%BB%A9&position=121.49%2C31.24",
			"baidu":   "https://api.map.baidu.com/marker?content=%E5%A4%96%E6%BB%A9&coord_type=gcj02&location=31.24%2C121.49",
			"tencent": "https://apis.map.qq.com/uri/v1/marker?marker=coord%3A31.24%2C121.49",
		} {
			e := createEvent(t, s, u.Bearer, map[string]any{"title": "外滩", "start_time": "2025-12-01T10:00:00+08:00", "location": "外滩",
				"latitude": 31.24, "longitude": "121.49", "map_provider": provider})
			if e.MapURL == nil || !strings.HasPrefix(*e.MapURL, want) {
				t.Errorf("%s: %v (want prefix %s)", provider, e.MapURL, want)
			}
		}
	})
	t.Run("owner only: others get 404", func(t *testing.T) {
		path := fmt.Sprintf("/api/events/%d/", meeting.ID)
		s.Do(t, "GET", path, o.Bearer, nil).Want(t, "other reads", http.StatusNotFound)
		s.Do(t, "PATCH", path, o.Bearer, map[string]any{"title": "mine"}).Want(t, "other patches", http.StatusNotFound)
		s.Do(t, "PUT", path, o.Bearer, map[string]any{"title": "mine", "start_time": "2025-11-07T14:00:00Z"}).Want(t, "other puts", http.StatusNotFound)
		s.Do(t, "DELETE", path, o.Bearer, nil).Want(t, "other deletes", http.StatusNotFound)
		s.Do(t, "PATCH", path+"link-trip/", o.Bearer, map[string]any{"trip_slug": "x"}).Want(t, "other links", http.StatusNotFound)
		s.Do(t, "GET", path, "", nil).Want(t, "anonymous", http.StatusUnauthorized)
		if got := listEvents(t, s, o.Bearer, ""); got.Count != 0 {
			t.Fatalf("other's list: %+v", got)
		}
	})
	t.Run("PATCH changes what it names; PUT needs title and start_time", func(t *testing.T) {
		path := fmt.Sprintf("/api/events/%d/", meeting.ID)
		var got eventOut
		s.Do(t, "PATCH", path, u.Bearer, map[string]any{"title": "新标题", "reminder_minutes": 60}).Want(t, "patch", http.StatusOK).JSON(t, &got)
		if got.Title != "新标题" || got.ReminderMinutes != 60 || got.Location != "公司会议室" || got.Description != "讨论Q4计划" {
			t.Fatalf("patched: %+v", got)
		}
		s.Do(t, "PUT", path, u.Bearer, map[string]any{"title": "x"}).WantField(t, "put without start", "start_time")
		s.Do(t, "PUT", path, u.Bearer, map[string]any{"title": "整体", "start_time": "2025-11-07T15:00:00Z", "end_time": nil,
			"description": "d", "location": "l", "reminder_minutes": 30}).Want(t, "put", http.StatusOK).JSON(t, &got)
		if got.Title != "整体" || got.EndTime != nil || got.StartTime != "2025-11-07T23:00:00+08:00" || got.ReminderMinutes != 30 {
			t.Fatalf("put: %+v", got)
		}
		s.Do(t, "GET", path, u.Bearer, nil).Want(t, "get", http.StatusOK).JSON(t, &got)
		if got.Title != "整体" {
			t.Fatalf("read back: %+v", got)
		}
		s.Do(t, "PATCH", path, u.Bearer, map[string]any{"end_time": "2025-11-07T14:00:00Z"}).WantField(t, "patch end before start", "end_time")
	})
	t.Run("list: range filters, ordering, the page the Android client reads", func(t *testing.T) {
		w := s.NewUser(t)
		for d := 1; d <= 25; d++ {
			createEvent(t, s, w.Bearer, map[string]any{"title": fmt.Sprintf("day %02d", d), "start_time": fmt.Sprintf("2026-03-%02dT09:00:00+08:00", d)})
		}
		all := listEvents(t, s, w.Bearer, "")
		if all.Count != 25 || len(all.Results) != 20 || all.Next == nil || all.Previous != nil || all.Results[0].Title != "day 01" {
			t.Fatalf("first page: count %d, %d results, next %v", all.Count, len(all.Results), all.Next)
		}
		second := listEvents(t, s, w.Bearer, "?page=2")
		if len(second.Results) != 5 || second.Next != nil || second.Previous == nil {
			t.Fatalf("second page: %+v", second)
		}
		s.Do(t, "GET", "/api/events/?page=9", w.Bearer, nil).Want(t, "page past the end", http.StatusNotFound)
		for _, q := range []string{"?start_date=2026-03-10&end_date=2026-03-12", "?start=2026-03-10T00:00:00%2B08:00&end=2026-03-13T00:00:00%2B08:00"} {
			r := listEvents(t, s, w.Bearer, q)
			if r.Count != 3 || r.Results[0].Title != "day 10" || r.Results[2].Title != "day 12" {
				t.Fatalf("%s: %+v", q, r)
			}
		}
		desc := listEvents(t, s, w.Bearer, "?ordering=-start_time&page_size=2")
		if len(desc.Results) != 2 || desc.Results[0].Title != "day 25" {
			t.Fatalf("ordering: %+v", desc)
		}
		s.Do(t, "GET", "/api/events/?start_date=2026-13-01", w.Bearer, nil).WantField(t, "malformed range", "start_date")
	})
	t.Run("batch creation, and the trip-linked sync updates instead of duplicating", func(t *testing.T) {
		w := s.NewUser(t)
		body := map[string]any{"related_trip_slug": "abc123def456", "source_app": "roamio", "events": []any{
			map[string]any{"title": "飞机起飞", "start_time": "2026-05-01T10:00:00Z", "source_id": "day1-0"},
			map[string]any{"title": "入住", "start_time": "2026-05-01T15:00:00Z", "source_id": "day1-1", "location": "酒店"},
		}}
		var first struct {
			CreatedCount int `json:"created_count"`
			Events       []eventOut
		}
		s.Do(t, "POST", "/api/events/batch/", w.Bearer, body).Want(t, "batch", http.StatusCreated).JSON(t, &first)
		if first.CreatedCount != 2 || len(first.Events) != 2 || first.Events[0].RelatedTripSlug == nil || *first.Events[0].RelatedTripSlug != "abc123def456" ||
			first.Events[0].SourceApp != "roamio" || first.Events[1].SourceID == nil || *first.Events[1].SourceID != "day1-1" {
			t.Fatalf("first sync: %+v", first)
		}
		body["events"].([]any)[0].(map[string]any)["title"] = "航班改签"
		var again struct {
			CreatedCount int `json:"created_count"`
			UpdatedCount int `json:"updated_count"`
			Events       []eventOut
		}
		s.Do(t, "POST", "/api/events/batch/", w.Bearer, body).Want(t, "batch again", http.StatusCreated).JSON(t, &again)
		if again.CreatedCount != 0 || again.UpdatedCount != 2 || again.Events[0].ID != first.Events[0].ID || again.Events[0].Title != "航班改签" {
			t.Fatalf("second sync: %+v", again)
		}
		if l := listEvents(t, s, w.Bearer, ""); l.Count != 2 {
			t.Fatalf("after two syncs: %d events", l.Count)
		}
		// A deleted item's event is made again by the next sync.
		s.Do(t, "DELETE", fmt.Sprintf("/api/events/%d/", first.Events[1].ID), w.Bearer, nil).Want(t, "delete", http.StatusNoContent)
		s.Do(t, "POST", "/api/events/batch/", w.Bearer, body).Want(t, "batch after delete", http.StatusCreated).JSON(t, &again)
		if again.CreatedCount != 1 || again.Events[1].ID == first.Events[1].ID {
			t.Fatalf("after delete: %+v", again)
		}
		// A plain batch creates every time; a bad item names its index.
		plain := map[string]any{"events": []any{map[string]any{"title": "a", "start_time": "2026-05-02T10:00:00Z"}}}
		s.Do(t, "POST", "/api/events/batch/", w.Bearer, plain).Want(t, "plain batch", http.StatusCreated)
		s.Do(t, "POST", "/api/events/batch/", w.Bearer, plain).Want(t, "plain batch again", http.StatusCreated)
		bad := map[string]any{"events": []any{map[string]any{"title": "a", "start_time": "2026-05-02T10:00:00Z"}, map[string]any{"title": ""}}}
		s.Do(t, "POST", "/api/events/batch/", w.Bearer, bad).WantField(t, "bad item", "events[1].title")
		s.Do(t, "POST", "/api/events/batch/", w.Bearer, map[string]any{"events": "x"}).WantField(t, "not a list", "events")
		// The single create with a source id is the same sync.
		var single eventOut
		s.Do(t, "POST", "/api/events/", w.Bearer, map[string]any{"title": "再同步", "start_time": "2026-05-01T10:00:00Z",
			"related_trip_slug": "abc123def456", "source_app": "roamio", "source_id": "day1-0"}).Want(t, "single sync", http.StatusOK).JSON(t, &single)
		if single.ID != first.Events[0].ID || single.Title != "再同步" {
			t.Fatalf("single sync: %+v", single)
		}
	})
	t.Run("link-trip links and unlinks", func(t *testing.T) {
		path := fmt.Sprintf("/api/events/%d/link-trip/", meeting.ID)
		r := s.Do(t, "PATCH", path, u.Bearer, map[string]any{"trip_slug": "abc123def456", "roamio_api_base": "https://roamio.com/api/v1/"}).Want(t, "link", http.StatusOK).Map(t)
		if r["success"] != true || r["linked"] != true || r["trip_slug"] != "abc123def456" || r["event_id"] != float64(meeting.ID) {
			t.Fatalf("link: %v", r)
		}
		var got eventOut
		s.Do(t, "GET", fmt.Sprintf("/api/events/%d/", meeting.ID), u.Bearer, nil).JSON(t, &got)
		if got.RelatedTripSlug == nil || *got.RelatedTripSlug != "abc123def456" || got.SourceApp != "roamio" {
			t.Fatalf("linked event: %+v", got)
		}
		s.Do(t, "PATCH", path, u.Bearer, map[string]any{}).WantField(t, "no slug", "trip_slug")
		r = s.Do(t, "PATCH", path, u.Bearer, map[string]any{"related_trip_slug": ""}).Want(t, "unlink", http.StatusOK).Map(t)
		if r["linked"] != false {
			t.Fatalf("unlink: %v", r)
		}
	})
	t.Run("stats count real events", func(t *testing.T) {
		w := s.NewUser(t)
		now := time.Now()
		createEvent(t, s, w.Bearer, map[string]any{"title": "past", "start_time": now.AddDate(0, -1, 0).Format(time.RFC3339)})
		createEvent(t, s, w.Bearer, map[string]any{"title": "soon", "start_time": now.Add(72 * time.Hour).Format(time.RFC3339)})
		createEvent(t, s, w.Bearer, map[string]any{"title": "later", "start_time": now.AddDate(0, 1, 0).Format(time.RFC3339)})
		r := s.Do(t, "GET", "/api/user/stats/", w.Bearer, nil).Want(t, "stats", http.StatusOK).Map(t)
		if r["total_events"] != float64(3) || r["upcoming_events"] != float64(1) {
			t.Fatalf("stats: %v", r)
		}
	})
	t.Run("delete answers 204, then 404", func(t *testing.T) {
		path := fmt.Sprintf("/api/events/%d/", meeting.ID)
		s.Do(t, "DELETE", path, u.Bearer, nil).Want(t, "delete", http.StatusNoContent)
		s.Do(t, "GET", path, u.Bearer, nil).Want(t, "get deleted", http.StatusNotFound)
		s.Do(t, "DELETE", path, u.Bearer, nil).Want(t, "delete again", http.StatusNotFound)
	})
}
