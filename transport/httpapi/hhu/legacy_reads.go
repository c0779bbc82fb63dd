package hhu

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
)

// readModel is where a route reads from: the projection whose position a
// request may ask for (X-Min-Position), and its not-found error.
type readModel struct {
	consistency httpapi.Consistency
	projection  string
	notFound    error
}

// answerList answers a list read from the read model, each row rendered.
func answerList[T, J any](c echo.Context, rm readModel, list func(context.Context) ([]T, error), render func(T) J) error {
	rm.consistency.BeforeQuery(c, rm.projection)
	rows, err := list(c.Request().Context())
	if err != nil {
		return renderError(c, err)
	}
	out := make([]J, len(rows))
	for i, r := range rows {
		out[i] = render(r)
	}
	return c.JSON(http.StatusOK, out)
}

// answerOne answers the read of the row the path's {id} names: 404 for a
// malformed id or one the read model does not hold.
func answerOne[T, J any](c echo.Context, rm readModel, get func(context.Context, int64) (T, error), render func(T) J) error {
	id, ok := pathID(c)
	if !ok {
		return notFound(c)
	}
	rm.consistency.BeforeQuery(c, rm.projection)
	return answerRow(c, rm, id, http.StatusOK, get, render)
}

// answerRow answers row id of the read model with status (200, or 201 after
// a command that created it): 404 when the read model does not hold it.
func answerRow[T, J any](c echo.Context, rm readModel, id int64, status int, get func(context.Context, int64) (T, error), render func(T) J) error {
	row, err := get(c.Request().Context(), id)
	if errors.Is(err, rm.notFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	return c.JSON(status, render(row))
}
