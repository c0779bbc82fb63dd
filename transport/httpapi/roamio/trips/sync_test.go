package tripshttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// calendarEvents lists the caller's Ralendar events linked to slug.
func calendarEvents(t *testing.T, s *apptest.Server, bearer, slug string) []map[string]any {
	t.Helper()
	r := s.Do(t, "GET", "/api/events/?page_size=100", bearer, nil).Want(t, "calendar", http.StatusOK)
	var rows []map[string]any
	if json.Unmarshal(r.Body, &rows) != nil {
		var page struct{ Results []map[string]any }
		r.JSON(t, &page)
		rows = page.Results
	}
	var out []map[string]any
	for _, e := range rows {
		if e["related_trip_slug"] == slug {
			out = append(out, e)
		}
	}
	return out
}

func TestSyncToCalendar(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	me, other := s.NewUser(t), s.NewUser(t)
	var trip struct {
		Slug string
		ID   int64
	}
	s.Do(t, "POST", "/api/v1/trip-plans/", me.Bearer, map[string]any{"title": "云南", "visibility": "public"}).Want(t, "trip", http.StatusCreated).JSON(t, &trip)
	base := fmt.Sprintf("/api/v1/trip-plans/%d/events/", trip.ID)
	var first struct{ ID int64 }
	s.Do(t, "POST", base, me.Bearer, map[string]any{"title": "飞机起飞", "eventTime": "2025-11-15T10:00",
		"location": map[string]any{"name": "首都机场"}, "reminder": map[string]any{"enabled": true, "time": 60, "method": "email"}}).
		Want(t, "item", http.StatusCreated).JSON(t, &first)
	s.Do(t, "POST", base, me.Bearer, map[string]any{"title": "入住", "eventTime": "2025-11-15T15:00"}).Want(t, "item 2", http.StatusCreated)
	s.Do(t, "POST", base, me.Bearer, map[string]any{"title": "随便逛逛"}).Want(t, "untimed", http.StatusCreated)
	path := "/api/v1/trips/" + trip.Slug + "/sync-to-calendar/"

	t.Run("others cannot sync", func(t *testing.T) {
		s.Do(t, "POST", path, other.Bearer, map[string]any{"create_events": true}).Want(t, "other", http.StatusForbidden)
		s.Do(t, "POST", path, "", map[string]any{"create_events": true}).Want(t, "anonymous", http.StatusUnauthorized)
	})
	t.Run("syncing twice makes no duplicates", func(t *testing.T) {
		var a, b struct {
			SyncedCount  int                  `json:"synced_count"`
			SkippedCount int                  `json:"skipped_count"`
			SyncedEvents []struct{ ID int64 } `json:"synced_events"`
		}
		s.Do(t, "POST", path, me.Bearer, map[string]any{"create_events": true}).Want(t, "sync", http.StatusOK).JSON(t, &a)
		s.Do(t, "POST", path, me.Bearer, map[string]any{"create_events": true}).Want(t, "sync again", http.StatusOK).JSON(t, &b)
		if a.SyncedCount != 2 || a.SkippedCount != 1 || b.SyncedCount != 2 || a.SyncedEvents[0].ID != b.SyncedEvents[0].ID {
			t.Errorf("syncs: %+v then %+v", a, b)
		}
		if evs := calendarEvents(t, s, me.Bearer, trip.Slug); len(evs) != 2 {
			t.Errorf("%d calendar events, want 2: %v", len(evs), evs)
		}
	})
	t.Run("a changed itinerary updates the linked events", func(t *testing.T) {
		s.Do(t, "PATCH", fmt.Sprintf("%s%d/", base, first.ID), me.Bearer, map[string]any{"title": "航班改签", "eventTime": "2025-11-15T12:00"}).Want(t, "edit", http.StatusOK)
		s.Do(t, "POST", path, me.Bearer, nil).Want(t, "sync", http.StatusOK)
		// Exactly one event per timed item, at the item's new time.
		var items []struct {
			Title     string
			EventTime string `json:"event_time"`
		}
		s.Do(t, "GET", base, me.Bearer, nil).Want(t, "items", http.StatusOK).JSON(t, &items)
		want := map[string]time.Time{}
		for _, it := range items {
			if it.EventTime != "" {
				want[it.Title] = mustTime(t, it.EventTime)
			}
		}
		evs := calendarEvents(t, s, me.Bearer, trip.Slug)
		if len(evs) != 2 || len(want) != 2 || want["航班改签"].IsZero() {
			t.Fatalf("after the change: events %v, items %v", evs, items)
		}
		seen := map[string]int{}
		for _, e := range evs {
			title, _ := e["title"].(string)
			start, _ := e["start_time"].(string)
			seen[title]++
			if w, ok := want[title]; !ok || !mustTime(t, start).Equal(w) {
				t.Errorf("event %q at %s, want the item's time %v", title, start, w)
			}
		}
		if seen["航班改签"] != 1 || seen["入住"] != 1 {
			t.Errorf("events per item: %v", seen)
		}
		if w := want["航班改签"].Sub(want["入住"]); w != -3*time.Hour {
			t.Errorf("the changed item is %v from the other, want -3h", w)
		}
	})
	t.Run("the client's sync-ai-trip, twice", func(t *testing.T) {
		body := map[string]any{"events": []any{
			map[string]any{"title": "早餐", "description": "", "start_time": "2025-11-16T08:00:00+08:00", "end_time": "2025-11-16T09:00:00+08:00",
				"reminder_minutes": 30, "email_reminder": true, "location": "酒店"},
			map[string]any{"title": "坏的", "start_time": "not a time"},
		}}
		for range 2 {
			var r struct {
				Code int
				Data struct {
					SyncedCount int `json:"synced_count"`
					FailedCount int `json:"failed_count"`
				}
			}
			s.Do(t, "POST", "/api/v1/ralendar/trips/"+trip.Slug+"/sync-ai-trip/", me.Bearer, body).Want(t, "ai sync", http.StatusOK).JSON(t, &r)
			if r.Code != 200 || r.Data.SyncedCount != 1 || r.Data.FailedCount != 1 {
				t.Errorf("ai sync = %+v", r)
			}
		}
		if evs := calendarEvents(t, s, me.Bearer, trip.Slug); len(evs) != 3 {
			t.Errorf("%d calendar events, want 3", len(evs))
		}
	})
	t.Run("the client's bad input names the field", func(t *testing.T) {
		m := s.Do(t, "POST", "/api/v1/ralendar/trips/"+trip.Slug+"/sync-ai-trip/", me.Bearer, map[string]any{"events": "x"}).
			Want(t, "bad", http.StatusBadRequest).Map(t)
		if d, _ := m["details"].(map[string]any); m["code"] != "INVALID_INPUT" || d["events"] == nil {
			t.Errorf("answer %v", m)
		}
		s.Do(t, "POST", "/api/v1/ralendar/trips/"+trip.Slug+"/sync-ai-trip/", other.Bearer, map[string]any{"events": []any{}}).
			Want(t, "other", http.StatusForbidden)
	})
	t.Run("one item's sync_to_ralendar", func(t *testing.T) {
		r := s.Do(t, "POST", fmt.Sprintf("%s%d/sync_to_ralendar/", base, first.ID), me.Bearer, nil).Want(t, "one", http.StatusOK)
		if m := r.Map(t); m["status"] != "success" || m["ralendar_event_id"] == nil {
			t.Errorf("answer %v", m)
		}
		if evs := calendarEvents(t, s, me.Bearer, trip.Slug); len(evs) != 3 {
			t.Errorf("%d calendar events after the item's sync, want 3", len(evs))
		}
	})
}

// mustTime parses a wire time of either API.
func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v
		}
	}
	t.Fatalf("time %q", s)
	return time.Time{}
}

// A re-sync after an item left the itinerary deletes the event the sync
// made for it, and only that one: the user's own event linked to the trip
// stays, no duplicates appear (issue 15).
func TestResyncDeletesRemovedItems(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	me := s.NewUser(t)
	var trip struct {
		Slug string
		ID   int64
	}
	s.Do(t, "POST", "/api/v1/trip-plans/", me.Bearer, map[string]any{"title": "川西"}).Want(t, "trip", http.StatusCreated).JSON(t, &trip)
	base := fmt.Sprintf("/api/v1/trip-plans/%d/events/", trip.ID)
	var gone struct{ ID int64 }
	s.Do(t, "POST", base, me.Bearer, map[string]any{"title": "康定", "eventTime": "2025-11-15T10:00"}).Want(t, "item", http.StatusCreated).JSON(t, &gone)
	s.Do(t, "POST", base, me.Bearer, map[string]any{"title": "新都桥", "eventTime": "2025-11-16T10:00"}).Want(t, "item 2", http.StatusCreated)
	s.Do(t, "POST", "/api/events/", me.Bearer, map[string]any{"title": "我自己的", "start_time": "2025-11-15T20:00:00+08:00",
		"related_trip_slug": trip.Slug}).Want(t, "own event", http.StatusCreated)
	path := "/api/v1/trips/" + trip.Slug + "/sync-to-calendar/"
	titles := func() map[string]int {
		out := map[string]int{}
		for _, e := range calendarEvents(t, s, me.Bearer, trip.Slug) {
			title, _ := e["title"].(string)
			out[title]++
		}
		return out
	}
	s.Do(t, "POST", path, me.Bearer, nil).Want(t, "sync", http.StatusOK)
	if got := titles(); len(got) != 3 || got["康定"] != 1 || got["新都桥"] != 1 || got["我自己的"] != 1 {
		t.Fatalf("after the first sync: %v", got)
	}
	s.Do(t, "DELETE", fmt.Sprintf("%s%d/", base, gone.ID), me.Bearer, nil).Want(t, "remove the item", http.StatusNoContent)
	for range 2 {
		s.Do(t, "POST", path, me.Bearer, nil).Want(t, "re-sync", http.StatusOK)
		if got := titles(); len(got) != 2 || got["新都桥"] != 1 || got["我自己的"] != 1 {
			t.Errorf("after removing an item and syncing: %v", got)
		}
	}

	t.Run("the client's shorter sync-ai-trip list", func(t *testing.T) {
		ai := "/api/v1/ralendar/trips/" + trip.Slug + "/sync-ai-trip/"
		ev := func(title, at string) map[string]any {
			return map[string]any{"title": title, "start_time": at}
		}
		s.Do(t, "POST", ai, me.Bearer, map[string]any{"events": []any{ev("早餐", "2025-11-16T08:00:00+08:00"), ev("晚餐", "2025-11-16T19:00:00+08:00")}}).
			Want(t, "ai sync", http.StatusOK)
		if got := titles(); got["早餐"] != 1 || got["晚餐"] != 1 {
			t.Fatalf("after the ai sync: %v", got)
		}
		s.Do(t, "POST", ai, me.Bearer, map[string]any{"events": []any{ev("早餐", "2025-11-16T08:00:00+08:00")}}).Want(t, "shorter", http.StatusOK)
		if got := titles(); len(got) != 3 || got["早餐"] != 1 || got["晚餐"] != 0 || got["新都桥"] != 1 || got["我自己的"] != 1 {
			t.Errorf("after the shorter list: %v", got)
		}
	})
}
