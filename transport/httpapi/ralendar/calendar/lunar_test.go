package calendar_test

import (
	"net/http"
	"testing"

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
