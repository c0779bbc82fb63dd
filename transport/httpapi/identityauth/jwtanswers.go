package identityauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	domain "github.com/fiveapis/backend/domain/identity"
)

// BearerChallenge is the WWW-Authenticate challenge of the JWT APIs (000).
const BearerChallenge = `Bearer realm="api"`

// TokenNotValid answers as djangorestframework-simplejwt does for a bad,
// expired or revoked JWT: 401 {"detail": msg, "code": "token_not_valid"}.
// Roamio and Ralendar share it.
func TokenNotValid(c echo.Context, msg string) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, BearerChallenge)
	return c.JSON(http.StatusUnauthorized, map[string]any{"detail": msg, "code": "token_not_valid"})
}

// Refresher exchanges a refresh token for a new access token.
type Refresher interface {
	RefreshToken(ctx context.Context, cmd identitycmd.RefreshToken) (identitycmd.Refreshed, error)
}

// AnswerRefresh exchanges refresh and answers {"access": …} as simplejwt's
// refresh view does; an invalid or expired refresh token is TokenNotValid,
// any other error goes to render (the API's own error format).
func AnswerRefresh(c echo.Context, r Refresher, refresh string, render func(echo.Context, error) error) error {
	res, err := r.RefreshToken(c.Request().Context(), identitycmd.RefreshToken{Refresh: refresh})
	if errors.Is(err, domain.ErrTokenInvalid) {
		return TokenNotValid(c, "Token is invalid or expired")
	}
	if err != nil {
		return render(c, err)
	}
	return c.JSON(http.StatusOK, map[string]string{"access": res.Access})
}
