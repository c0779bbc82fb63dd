package activitieshttp

import (
	"github.com/labstack/echo/v4"

	activitiesq "github.com/fiveapis/backend/queries/activities"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// pageParam reads ?page= (1 when absent) as DRF's PageNumberPagination,
// 20 a page: a page that is not a positive number is hhu.ErrInvalidPage.
func pageParam(c echo.Context) (activitiesq.Page, error) {
	n, err := hhu.PageNumber(c)
	if err != nil || n > 1<<30 {
		return activitiesq.Page{}, hhu.ErrInvalidPage
	}
	return activitiesq.Page{Number: n, Size: activitiesq.DefaultPageSize}, nil
}

// drfPage is DRF's paginated answer.
type drfPage[T any] struct {
	Count    int64   `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// newDRFPage builds the answer for page p of count items with absolute next
// and previous links that keep the other query parameters; a page past the
// last one is hhu.ErrInvalidPage.
func newDRFPage[T any](c echo.Context, p activitiesq.Page, count int64, results []T) (drfPage[T], error) {
	if p.Number > 1 && int64(p.Number-1)*int64(p.Size) >= count {
		return drfPage[T]{}, hhu.ErrInvalidPage
	}
	if results == nil {
		results = []T{}
	}
	return drfPage[T]{Count: count, Results: results,
		Next:     hhu.PageLink(c, p.Number+1, p.Size, int(count)),
		Previous: hhu.PageLink(c, p.Number-1, p.Size, int(count)),
	}, nil
}
