package identityauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// The JWT dialect of 000, shared by its two APIs (Roamio and Ralendar): DRF
// answers with djangorestframework-simplejwt's refusals, and the login,
// social login and refresh flows both APIs serve.

// BearerChallenge is the WWW-Authenticate challenge of the JWT APIs (000).
const BearerChallenge = `Bearer realm="api"`

// TokenNotValid is simplejwt's refusal of a bad, expired or revoked JWT: 401
// {"detail": Detail, "code": "token_not_valid"}.
type TokenNotValid struct{ Detail string }

func (e TokenNotValid) Error() string { return "token not valid: " + e.Detail }

// RenderJWT is the part of the JWT APIs' error tables they share:
// TokenNotValid, then DRF's answers (drf.RenderError) with the Bearer
// challenge.
func RenderJWT(c echo.Context, err error) error {
	var tnv TokenNotValid
	if errors.As(err, &tnv) {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, BearerChallenge)
		return c.JSON(http.StatusUnauthorized, map[string]any{"detail": tnv.Detail, "code": "token_not_valid"})
	}
	return drf.RenderError(c, err, BearerChallenge)
}

// Unauthenticated is the JWT APIs' httpapi.Unauthenticated: presented
// credentials that were refused are simplejwt's "Given token not valid for
// any token type"; none at all DRF's NotAuthenticated; a failure to check
// them goes to the server's error handler.
func Unauthenticated(_ echo.Context, credErr error) error {
	switch {
	case credErr == nil:
		return access.ErrUnauthenticated
	case errors.Is(credErr, authn.ErrInvalidCredentials):
		return TokenNotValid{Detail: "Given token not valid for any token type"}
	default:
		return credErr
	}
}

// User is the JWT APIs' authentication middleware: requests without a caller
// get Unauthenticated's error.
func User(next httpapi.Handler) httpapi.Handler {
	return httpapi.RequireUser(Unauthenticated)(next)
}

// Admin is the JWT APIs' middleware for administrators' routes: no caller
// is Unauthenticated's error, another user DRF's PermissionDenied (403).
func Admin(next httpapi.Handler) httpapi.Handler {
	return httpapi.RequireAdmin(Unauthenticated, access.ErrForbidden)(next)
}

// JWTLogins is what the JWT flows need of the identity commands
// (identitycmd.Handlers).
type JWTLogins interface {
	Login(ctx context.Context, cmd identitycmd.Login) (identitycmd.LoggedIn, error)
	SocialSignIn(ctx context.Context, cmd identitycmd.SocialSignIn) (identitycmd.SocialSignedIn, error)
	IssueTokens(ctx context.Context, cmd identitycmd.IssueTokens) (identitycmd.TokenPair, error)
	RefreshToken(ctx context.Context, cmd identitycmd.RefreshToken) (identitycmd.Refreshed, error)
}

// JWTFlows are the login flows of the JWT APIs.
type JWTFlows struct {
	Commands JWTLogins
	Clock    Clock
}

// PasswordLogin reads {username (or an e-mail address), password} (DRF
// fields, required, not blank), logs in (within the attempt limits) and
// issues the token pair. The caller answers with its own user object.
func (f JWTFlows) PasswordLogin(c echo.Context) (identitycmd.LoggedIn, identitycmd.TokenPair, error) {
	form, err := drf.ReadForm(c)
	if err != nil {
		return identitycmd.LoggedIn{}, identitycmd.TokenPair{}, err
	}
	errs := drf.FieldErrors{}
	username, _ := form.Str("username", errs, false)
	password, _ := form.Str("password", errs, false)
	if len(errs) > 0 {
		return identitycmd.LoggedIn{}, identitycmd.TokenPair{}, errs
	}
	ctx := c.Request().Context()
	li, err := f.Commands.Login(ctx, identitycmd.Login{Meta: httpapi.EventMeta(c, f.Clock.Now()), Identifier: username, Password: password})
	if err != nil {
		return identitycmd.LoggedIn{}, identitycmd.TokenPair{}, err
	}
	pair, err := f.Commands.IssueTokens(ctx, identitycmd.IssueTokens{UserID: li.User.ID})
	return li, pair, err
}

// SocialLogin signs in with a provider account a code exchange proved
// (creating the user on first login) and issues the token pair.
func (f JWTFlows) SocialLogin(c echo.Context, provider string, prof identity.ProviderProfile) (identitycmd.SocialSignedIn, identitycmd.TokenPair, error) {
	ctx := c.Request().Context()
	in, err := f.Commands.SocialSignIn(ctx, identitycmd.SocialSignIn{Meta: httpapi.EventMeta(c, f.Clock.Now()), Provider: provider,
		ExternalID: prof.ExternalID, Nickname: prof.Nickname, AvatarURL: prof.AvatarURL})
	if err != nil {
		return identitycmd.SocialSignedIn{}, identitycmd.TokenPair{}, err
	}
	pair, err := f.Commands.IssueTokens(ctx, identitycmd.IssueTokens{UserID: in.User.ID})
	return in, pair, err
}

// Refresh exchanges refresh and answers {"access": …} as simplejwt's
// refresh view does; an invalid or expired refresh token is TokenNotValid.
func (f JWTFlows) Refresh(c echo.Context, refresh string) error {
	res, err := f.Commands.RefreshToken(c.Request().Context(), identitycmd.RefreshToken{Refresh: refresh})
	if errors.Is(err, identity.ErrTokenInvalid) {
		return TokenNotValid{Detail: "Token is invalid or expired"}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"access": res.Access})
}
