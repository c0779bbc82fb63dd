package hhu

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// Errors of this API's own, answered in its words by Render.
var (
	// ErrNotFound: the path names nothing the caller may see (a malformed
	// id too, as Django's <int:pk> converter answers).
	ErrNotFound = errors.New("hhu: not found")
	// ErrInvalidPage: a ?page= that is not a page of the list, as DRF's
	// PageNumberPagination answers.
	ErrInvalidPage = errors.New("hhu: invalid page")
	// ErrInvalidToken, ErrTokenExpired and ErrUserInactive: the presented
	// token was refused, as DRF's TokenAuthentication words it.
	ErrInvalidToken = errors.New("hhu: invalid token")
	ErrTokenExpired = errors.New("hhu: token expired")
	ErrUserInactive = errors.New("hhu: user inactive or deleted")
	// ErrWeChatUnavailable: WeChat's code exchange could not be asked.
	ErrWeChatUnavailable = errors.New("hhu: WeChat unavailable")
)

// answer is how the API words one error.
type answer struct {
	err    error
	status int
	detail string
}

// table is the API's own words, first match wins; every other error is
// answered by drf.RenderError: field errors 400, the shared permission
// checks (access.ErrUnauthenticated, access.ErrForbidden) in DRF's words,
// other faults their status with their message, the rest 500.
var table = []answer{
	{ErrInvalidToken, http.StatusUnauthorized, "Invalid token."},
	{ErrTokenExpired, http.StatusUnauthorized, "Token has expired."},
	{ErrUserInactive, http.StatusUnauthorized, "User inactive or deleted."},
	{ErrNotFound, http.StatusNotFound, "Not found."},
	{ErrInvalidPage, http.StatusNotFound, "Invalid page."},
	{ErrWeChatUnavailable, http.StatusBadGateway, "微信服务暂不可用"},
}

// challenge is the WWW-Authenticate of 401 answers (DRF's
// TokenAuthentication).
const challenge = "Token"

// Render answers err as 001's Django REST Framework back end does: its own
// words from table, or drf.RenderError's answer ({"field": ["message"]} 400s,
// {"detail": "…"} otherwise, with WWW-Authenticate on 401 and Retry-After on
// 429); a Summarized 400 also carries its first message where its client
// reads one.
func Render(c echo.Context, err error) error {
	if s, ok := asSummarized(err); ok {
		if done, werr := renderSummarized(c, s); done {
			return werr
		}
	}
	for _, a := range table {
		if errors.Is(err, a.err) {
			if a.status == http.StatusUnauthorized {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, challenge)
			}
			return drf.Detail(c, a.status, a.detail)
		}
	}
	return drf.RenderError(c, err, challenge)
}
