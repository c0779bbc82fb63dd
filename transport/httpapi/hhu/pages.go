package hhu

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// PageNumber reads DRF's ?page= (from 1; "last" is 0 until the count is
// known); a bad one is ErrInvalidPage, as PageNumberPagination answers.
func PageNumber(c echo.Context) (int, error) {
	s := strings.TrimSpace(c.QueryParam("page"))
	switch s {
	case "":
		return 1, nil
	case "last":
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, ErrInvalidPage
	}
	return n, nil
}

// PageLink is DRF's next/previous link: the request's URL with page n (nil
// when n is out of range).
func PageLink(c echo.Context, n, size, total int) *string {
	if n < 1 || (n-1)*size >= total {
		return nil
	}
	u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: c.Request().URL.Path}
	q := c.Request().URL.Query()
	if n == 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(n))
	}
	u.RawQuery = q.Encode()
	s := u.String()
	return &s
}
