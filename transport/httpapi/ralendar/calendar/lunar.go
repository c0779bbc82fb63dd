package calendar

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/calendar"
	chinesecalq "github.com/fiveapis/backend/queries/chinesecal"
	"github.com/fiveapis/backend/transport/httpapi/ralendar"
)

// badDate is Ralendar's 400 for a missing or malformed date.
func badDate(field string) error {
	return ralendar.Refusal{Status: http.StatusBadRequest, Field: field,
		Message: "日期格式错误，请使用 YYYY-MM-DD（" + strconv.Itoa(chinesecalq.MinYear) + "–" + strconv.Itoa(chinesecalq.MaxYear) + " 年）"}
}

// dayParam reads ?date=YYYY-MM-DD, or the seed's ?year=&month=&day=.
func dayParam(c echo.Context) (chinesecalq.Day, error) {
	var t time.Time
	if s := strings.TrimSpace(c.QueryParam("date")); s != "" {
		var err error
		if t, err = time.Parse("2006-01-02", s); err != nil {
			return chinesecalq.Day{}, badDate("date")
		}
	} else if c.QueryParam("year") != "" || c.QueryParam("month") != "" || c.QueryParam("day") != "" {
		var ymd [3]int
		for i, name := range []string{"year", "month", "day"} {
			n, err := strconv.Atoi(strings.TrimSpace(c.QueryParam(name)))
			if err != nil {
				return chinesecalq.Day{}, badDate(name)
			}
			ymd[i] = n
		}
		t = time.Date(ymd[0], time.Month(ymd[1]), ymd[2], 0, 0, 0, 0, time.UTC)
		if t.Year() != ymd[0] || int(t.Month()) != ymd[1] || t.Day() != ymd[2] {
			return chinesecalq.Day{}, badDate("day")
		}
	} else {
		return chinesecalq.Day{}, badDate("date")
	}
	d, err := chinesecalq.DayOf(t.Year(), int(t.Month()), t.Day())
	if err != nil {
		return chinesecalq.Day{}, badDate("date")
	}
	return d, nil
}

// lunar: GET /api/lunar/?date=YYYY-MM-DD (or ?year=&month=&day=) → the
// seed's {year, month, day, isleap, lunarDate} and what the clients read
// (lunar_date, zodiac …). isleap is whether the lunar month is a leap month.
func (h *Handlers) lunar(c echo.Context) error {
	d, err := dayParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"date": date(d), "year": d.Year, "month": d.Month, "day": d.Day,
		"isleap": d.Leap, "lunarDate": d.LunarDate(),
		"lunar_date": "农历" + d.LunarDate(), "lunar_year": d.LunarYear, "lunar_month": d.LunarMonth, "lunar_day": d.LunarDay,
		"is_leap_month": d.Leap, "month_name": d.MonthName, "day_name": d.DayName, "lunar_month_day": d.MonthName + d.DayName,
		"zodiac": d.Zodiac, "ganzhi_year": d.GanZhiYear, "solar_term": d.SolarTerm,
		"festivals": festivals(d),
	})
}

func date(d chinesecalq.Day) string {
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

// festival is one festival as HolidayPanel shows it.
type festival struct {
	Name  string `json:"name"`
	Emoji string `json:"emoji"`
	Type  string `json:"type"`
}

var emojis = map[string]string{
	"春节": "🧧", "元宵节": "🏮", "端午节": "🐉", "中秋节": "🥮", "七夕节": "💕", "重阳节": "🌼", "除夕": "🧨", "腊八节": "🥣",
	"国庆节": "🇨🇳", "元旦节": "🎉", "劳动节": "🛠️", "情人节": "💝", "圣诞节": "🎄", "儿童节": "🎈", "妇女节": "🌷", "青年节": "🔥",
}

func festivalsOf(names []string, typ string) []festival {
	out := []festival{}
	for _, n := range names {
		e, ok := emojis[n]
		if !ok {
			e = "🎊"
		}
		out = append(out, festival{Name: n, Emoji: e, Type: typ})
	}
	return out
}

// festivals are the day's traditional and international festivals and its
// solar term, in that order.
func festivals(d chinesecalq.Day) []festival {
	out := append(festivalsOf(d.Traditional, "traditional"), festivalsOf(d.International, "international")...)
	if d.SolarTerm != "" {
		out = append(out, festival{Name: d.SolarTerm, Emoji: "🌱", Type: "solar_term"})
	}
	return out
}

// dayJSON is a day as the holiday routes answer it.
func dayJSON(d chinesecalq.Day) map[string]any {
	t := time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
	work := t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
	var holiday any
	if h := d.Holiday; h != nil {
		work = h.Work
		holiday = holidayJSON(*h)
	}
	return map[string]any{
		"date": date(d), "weekday": int(t.Weekday()), "lunar": d.MonthName + d.DayName, "lunar_date": "农历" + d.LunarDate(),
		"is_leap_month": d.Leap, "zodiac": d.Zodiac, "solar_term": d.SolarTerm,
		"is_holiday": d.Holiday != nil && !d.Holiday.Work, "is_workday": work, "is_off_day": !work, "holiday": holiday,
		"festivals": festivals(d), "traditional_festivals": festivalsOf(d.Traditional, "traditional"),
		"international_festivals": festivalsOf(d.International, "international"),
	}
}

func holidayJSON(h chinesecalq.Holiday) map[string]any {
	typ := "holiday"
	if h.Work {
		typ = "workday"
	}
	return map[string]any{"date": h.Date, "name": h.Name, "type": typ, "is_off_day": !h.Work, "target": h.Target}
}

// holidays: GET /api/holidays/?year= (default this year) → the year's
// official arrangement: days off and make-up workdays.
func (h *Handlers) holidays(c echo.Context) error {
	year := h.d.Clock.Now().In(calendar.Zone).Year()
	if s := strings.TrimSpace(c.QueryParam("year")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < chinesecalq.MinYear || n > chinesecalq.MaxYear {
			return badDate("year")
		}
		year = n
	}
	list := chinesecalq.HolidaysOf(year)
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = holidayJSON(x)
	}
	return c.JSON(http.StatusOK, map[string]any{"year": year, "count": len(out), "holidays": out,
		"source": "国务院办公厅节假日安排 (github.com/6tail/lunar-go v1.4.7)"})
}

// checkHoliday: GET /api/holidays/check/?date=YYYY-MM-DD → the day.
func (h *Handlers) checkHoliday(c echo.Context) error {
	d, err := dayParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, dayJSON(d))
}

// today: GET /api/holidays/today/ → today (in China).
func (h *Handlers) today(c echo.Context) error {
	now := h.d.Clock.Now().In(calendar.Zone)
	d, err := chinesecalq.DayOf(now.Year(), int(now.Month()), now.Day())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, dayJSON(d))
}
