package chinesecal_test

import (
	"testing"

	chinesecalq "github.com/fiveapis/backend/queries/chinesecal"
)

func TestDays(t *testing.T) {
	for _, c := range []struct {
		y, m, d   int
		lunar     string
		leap      bool
		holiday   string
		work      bool
		festival  string
		solarTerm string
	}{
		{2025, 11, 5, "2025年九月十六", false, "", false, "", ""},
		{2025, 8, 1, "2025年闰六月初八", true, "", false, "", ""},
		{2023, 3, 22, "2023年闰二月初一", true, "", false, "", ""},
		{2025, 1, 29, "2025年正月初一", false, "春节", false, "春节", ""},
		{2025, 9, 28, "2025年八月初七", false, "国庆中秋", true, "", ""},
		{2025, 4, 4, "2025年三月初七", false, "清明节", false, "", "清明"},
	} {
		d, err := chinesecalq.DayOf(c.y, c.m, c.d)
		if err != nil {
			t.Fatal(err)
		}
		if d.LunarDate() != c.lunar || d.Leap != c.leap || d.SolarTerm != c.solarTerm {
			t.Errorf("%d-%d-%d: %s leap %v term %q", c.y, c.m, c.d, d.LunarDate(), d.Leap, d.SolarTerm)
		}
		if c.holiday != "" && (d.Holiday == nil || d.Holiday.Work != c.work || len(d.Holiday.Name) < len(c.holiday) || d.Holiday.Name[:len(c.holiday)] != c.holiday) {
			t.Errorf("%d-%d-%d: holiday %+v, want %s work %v", c.y, c.m, c.d, d.Holiday, c.holiday, c.work)
		}
		if c.festival != "" && (len(d.Traditional) == 0 || d.Traditional[0] != c.festival) {
			t.Errorf("%d-%d-%d: festivals %v", c.y, c.m, c.d, d.Traditional)
		}
	}
	if n := len(chinesecalq.HolidaysOf(2026)); n == 0 {
		t.Fatal("no arrangement for 2026")
	}
	if _, err := chinesecalq.DayOf(1800, 1, 1); err == nil {
		t.Fatal("1800 answered")
	}
}
