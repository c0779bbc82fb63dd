package cards

import (
	"github.com/labstack/echo/v4"

	cardsq "github.com/fiveapis/backend/queries/cards"
	"github.com/fiveapis/backend/transport/httpapi"
)

// GET /api/card/user/cards/?category=&start_date=&end_date=&page=&page_size=:
// the cards the caller used, the latest first (002 §4.1).
func (m *Module) userCards(c echo.Context) error {
	me, err := httpapi.Actor(c).User()
	if err != nil {
		return err
	}
	f := cardsq.UserCardFilter{User: me}
	if f.Category, err = queryCategory(c, "category"); err != nil {
		return err
	}
	if f.StartDate, err = queryDate(c, "start_date"); err != nil {
		return err
	}
	if f.EndDate, err = queryDate(c, "end_date"); err != nil {
		return err
	}
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	l, err := m.q.UserCards(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	return paged(m, c, pg, l)
}
