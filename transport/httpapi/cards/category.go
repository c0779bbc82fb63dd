package cards

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/fault"
)

// GET /api/card/category/{category}/: the category's active templates with
// their available batches (002 §5.1). An unknown category is INVALID_INPUT.
func (m *Module) byCategory(c echo.Context) error {
	cat, valid := cards.ParseCategory(c.Param("category"))
	if !valid {
		return fault.Invalidf("category", "%q 不是有效的类别（dance/song/clothing/game）", c.Param("category"))
	}
	v, err := m.q.ByCategory(c.Request().Context(), string(cat), m.clock.Now())
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, v)
}
