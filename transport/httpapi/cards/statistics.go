package cards

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	cardsq "github.com/fiveapis/backend/queries/cards"
)

// MaxStatisticsDays bounds the date range of the statistics.
const MaxStatisticsDays = 3660

// GET /api/card/statistics/?start_date=&end_date=&category= (admin): dates
// are UTC days, inclusive; the default range is the 30 days ending today.
func (m *Module) statistics(c echo.Context) error {
	start, err := queryDate(c, "start_date")
	if err != nil {
		return err
	}
	end, err := queryDate(c, "end_date")
	if err != nil {
		return err
	}
	cat, err := queryCategory(c, "category")
	if err != nil {
		return err
	}
	f := cardsq.StatisticsFilter{Category: cat}
	if end != nil {
		f.EndDate = *end
	} else {
		y, mo, d := m.clock.Now().UTC().Date()
		f.EndDate = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	}
	if start != nil {
		f.StartDate = *start
	} else {
		f.StartDate = f.EndDate.AddDate(0, 0, -29)
	}
	if f.StartDate.After(f.EndDate) {
		return fault.Invalidf("start_date", "不能晚于 end_date")
	}
	if f.EndDate.Sub(f.StartDate) > MaxStatisticsDays*24*time.Hour {
		return fault.Invalidf("start_date", "统计范围不能超过 %d 天", MaxStatisticsDays)
	}
	st, err := m.q.Statistics(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, st)
}
