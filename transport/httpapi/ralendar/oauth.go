package ralendar

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/oauth"
)

// CodeExchanger turns a provider's authorization code into the provider
// account (oauth.AcWing).
type CodeExchanger interface {
	Exchange(ctx context.Context, code string) (oauth.Profile, error)
}

// SocialSignIn logs in (or signs up) with a provider account
// (identitycmd.Handlers).
type SocialSignIn interface {
	SocialSignIn(ctx context.Context, cmd identitycmd.SocialSignIn, meta eventlog.Metadata) (identitycmd.SocialSignedIn, error)
}

func (m *Module) mountOAuth(g *echo.Group, route func(method, path string, h echo.HandlerFunc)) {
	route("GET", "/oauth2/receive_code/", m.receiveCode)
	if m.d.AcWing != nil && m.d.Social != nil {
		route("POST", "/auth/acwing/login/", m.providerLogin(domain.ProviderAcWing, m.d.AcWing))
	}
	if m.d.QQ != nil && m.d.Social != nil {
		route("POST", "/auth/qq/login/", m.providerLogin(domain.ProviderQQ, m.d.QQ))
	}
}

// receiveCode: GET /api/oauth2/receive_code/?code&state → {code, state} as
// JSON (AcWingOS's redirect target).
func (m *Module) receiveCode(c echo.Context) error {
	code, state := c.QueryParam("code"), c.QueryParam("state")
	if code == "" || len(code) > 256 || len(state) > 256 {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"code": {"This field is required."}})
	}
	return c.JSON(http.StatusOK, map[string]string{"code": code, "state": state})
}

// providerLogin: POST /api/auth/<provider>/login/ {code, state?} →
// {access, refresh, user}: the provider account's user, created on first
// login. Ralendar issues no state and binds none to a cookie: its clients
// (the AcWingOS app, where this API's cookies are third-party, and native
// apps) keep and check their own state (docs/identity.md, "Which flows bind
// the state to a cookie").
func (m *Module) providerLogin(provider string, ex CodeExchanger) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := drf.ReadForm(c)
		if err != nil {
			return renderError(c, err)
		}
		errs := drf.FieldErrors{}
		code, _ := f.Str("code", errs, false)
		if len(errs) > 0 {
			return c.JSON(http.StatusBadRequest, errs)
		}
		ctx := c.Request().Context()
		prof, err := ex.Exchange(ctx, code)
		switch {
		case errors.Is(err, oauth.ErrCodeRejected):
			return c.JSON(http.StatusBadRequest, map[string]any{"error": "授权码无效或已过期", "code": []string{"授权码无效或已过期"}})
		case err != nil:
			return c.JSON(http.StatusBadGateway, map[string]any{"error": "第三方登录服务暂不可用"})
		}
		in, err := m.d.Social.SocialSignIn(ctx, identitycmd.SocialSignIn{Provider: provider, ExternalID: prof.ExternalID,
			Nickname: prof.Nickname, AvatarURL: prof.AvatarURL}, httpapi.EventMeta(c, m.d.Clock.Now()))
		if errors.Is(err, domain.ErrUserInactive) {
			return errorAnswer(c, http.StatusForbidden, "账号已停用")
		}
		if err != nil {
			return renderError(c, err)
		}
		pair, err := m.d.Identity.IssueTokens(ctx, identitycmd.IssueTokens{UserID: in.User.ID})
		if err != nil {
			return err
		}
		m.d.Consistency.AfterCommand(c, in.Position, query.ProjectionName)
		user, err := m.answerOf(ctx, in.User.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"access": pair.Access, "refresh": pair.Refresh, "user": user})
	}
}
