// Package chinesecal is the Chinese calendar as github.com/6tail/lunar-go
// (v1.4.7) computes it: lunar dates with their leap months, the zodiac and
// the sexagenary year, solar terms, traditional and international
// festivals, and the official arrangements of legal holidays (days off and
// make-up workdays, from 2001-12-29 to the years the library carries, as
// the General Office of the State Council publishes them each year).
// Ralendar's lunar and holiday routes and its china-holidays calendar read
// it.
package chinesecal

import (
	"container/list"
	"fmt"
	"strconv"

	"github.com/6tail/lunar-go/HolidayUtil"
	"github.com/6tail/lunar-go/calendar"
)

// Years the calendar answers for (the library's tables cover them).
const (
	MinYear = 1901
	MaxYear = 2099
)

// Day is one day of the Gregorian calendar in the Chinese calendar.
type Day struct {
	Year, Month, Day int
	// LunarYear, LunarMonth (1–12) and LunarDay; Leap marks a leap month.
	LunarYear, LunarMonth, LunarDay int
	Leap                            bool
	// MonthName ("九月", "闰六月") and DayName ("十六").
	MonthName, DayName string
	// Zodiac (生肖) and GanZhiYear (干支) of the lunar year.
	Zodiac, GanZhiYear string
	// SolarTerm is the day's solar term (节气), "" on most days.
	SolarTerm string
	// Traditional are the lunar festivals (春节, 中秋节 …), International
	// the Gregorian ones (国庆节, 元旦节 …).
	Traditional, International []string
	// Holiday is the day's official arrangement, nil on an ordinary day.
	Holiday *Holiday
}

// LunarDate is the day's lunar date as Ralendar's seed writes it:
// "2025年九月十六", "2025年闰六月初八".
func (d Day) LunarDate() string {
	return strconv.Itoa(d.LunarYear) + "年" + d.MonthName + d.DayName
}

// Holiday is one day of an official arrangement: a day off of the named
// holiday, or a make-up workday (Work) for it. Target is the holiday's
// first day.
type Holiday struct {
	Date   string
	Name   string
	Work   bool
	Target string
}

// ErrOutOfRange is a year the calendar does not cover.
var ErrOutOfRange = fmt.Errorf("chinesecal: year out of range %d–%d", MinYear, MaxYear)

// DayOf returns the day (a valid Gregorian date).
func DayOf(year, month, day int) (Day, error) {
	if year < MinYear || year > MaxYear {
		return Day{}, ErrOutOfRange
	}
	s := calendar.NewSolarFromYmd(year, month, day)
	l := s.GetLunar()
	m := l.GetMonth()
	d := Day{Year: year, Month: month, Day: day, LunarYear: l.GetYear(), LunarMonth: abs(m), LunarDay: l.GetDay(), Leap: m < 0,
		MonthName: l.GetMonthInChinese() + "月", DayName: l.GetDayInChinese(), Zodiac: l.GetYearShengXiao(),
		GanZhiYear: l.GetYearInGanZhi(), SolarTerm: l.GetJieQi(),
		Traditional: texts(l.GetFestivals()), International: texts(s.GetFestivals())}
	if h := HolidayUtil.GetHolidayByYmd(year, month, day); h != nil {
		d.Holiday = &Holiday{Date: h.GetDay(), Name: h.GetName(), Work: h.IsWork(), Target: h.GetTarget()}
	}
	return d, nil
}

// HolidaysOf returns the year's official arrangement, by date (empty for a
// year the library has no arrangement for yet).
func HolidaysOf(year int) []Holiday {
	out := []Holiday{}
	if year < MinYear || year > MaxYear {
		return out
	}
	for e := HolidayUtil.GetHolidaysByYear(year).Front(); e != nil; e = e.Next() {
		if h, ok := e.Value.(*HolidayUtil.Holiday); ok {
			out = append(out, Holiday{Date: h.GetDay(), Name: h.GetName(), Work: h.IsWork(), Target: h.GetTarget()})
		}
	}
	return out
}

func texts(l *list.List) []string {
	out := []string{}
	for e := l.Front(); e != nil; e = e.Next() {
		if s, ok := e.Value.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
