package roamio

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/oauth"
)

// QQProvider is QQ Connect (oauth.QQ).
type QQProvider interface {
	AuthorizeURL(state string) string
	Exchange(ctx context.Context, code string) (oauth.Profile, error)
}

// OAuthStates issues single-use, expiring OAuth states shared by every
// server process, bound to the browser that asked for them
// (oauth.States).
type OAuthStates interface {
	Issue(ctx context.Context, provider, browserNonce string, now time.Time) (string, error)
	Consume(ctx context.Context, provider, state, browserNonce string, now time.Time) error
}

// browserCookiePath scopes the cookie that binds QQ states to the browser:
// qq_login_url sets it, qq_callback and qq_bind_existing need it.
const browserCookiePath = "/api/v1/auth/"

// Social is what the QQ routes need of the identity commands
// (identitycmd.Handlers).
type Social interface {
	SocialSignIn(ctx context.Context, cmd identitycmd.SocialSignIn, meta eventlog.Metadata) (identitycmd.SocialSignedIn, error)
	BindSocial(ctx context.Context, cmd identitycmd.BindSocial, meta eventlog.Metadata) (eventlog.Position, error)
	UnbindSocialAccount(ctx context.Context, cmd identitycmd.UnbindSocialAccount, meta eventlog.Metadata) (eventlog.Position, error)
}

func (m *Module) mountQQ(route func(method, path string, h echo.HandlerFunc)) {
	if m.d.QQ == nil || m.d.QQStates == nil || m.d.Social == nil {
		return
	}
	route("GET", "/auth/qq_login_url/", m.qqLoginURL)
	route("POST", "/auth/qq_callback/", m.qqCallback)
	route("POST", "/auth/qq_bind_existing/", m.qqBind)
	route("DELETE", "/auth/qq_unbind/", m.qqUnbind)
}

func qqError(c echo.Context, status int, msg string) error {
	return c.JSON(status, map[string]any{"success": false, "error": msg})
}

// qqLoginURL: GET /api/v1/auth/qq_login_url/ → {authorize_url, state}; the
// state is accepted once, for 10 minutes, by qq_callback or
// qq_bind_existing from the same browser: the answer sets (or renews) the
// HttpOnly cookie the state is bound to (oauth.BindBrowser).
func (m *Module) qqLoginURL(c echo.Context) error {
	nonce, err := oauth.BindBrowser(c, browserCookiePath)
	if err != nil {
		return err
	}
	state, err := m.d.QQStates.Issue(c.Request().Context(), domain.ProviderQQ, nonce, m.d.Clock.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"authorize_url": m.d.QQ.AuthorizeURL(state), "state": state})
}

// qqExchange reads {code, state}, uses the state and exchanges the code.
// When ok is false it has answered (err is the write's error).
func (m *Module) qqExchange(c echo.Context) (prof oauth.Profile, ok bool, err error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return prof, false, renderError(c, err)
	}
	errs := drf.FieldErrors{}
	code, _ := f.Str("code", errs, false)
	state, _ := f.Str("state", errs, false)
	if len(errs) > 0 {
		return prof, false, c.JSON(http.StatusBadRequest, errs)
	}
	ctx := c.Request().Context()
	// The state is used before the code is sent anywhere: a replayed or
	// forged state, or one another browser asked for, exchanges nothing.
	switch err := m.d.QQStates.Consume(ctx, domain.ProviderQQ, state, oauth.BrowserNonce(c), m.d.Clock.Now()); {
	case errors.Is(err, oauth.ErrStateExpired):
		return prof, false, qqError(c, http.StatusBadRequest, "state已过期,请重新发起QQ登录")
	case errors.Is(err, oauth.ErrStateOtherBrowser):
		return prof, false, qqError(c, http.StatusBadRequest, "state与当前浏览器不匹配,请在发起QQ登录的浏览器中重新登录")
	case errors.Is(err, oauth.ErrStateUnknown):
		return prof, false, qqError(c, http.StatusBadRequest, "无效的state参数")
	case err != nil:
		return prof, false, err
	}
	prof, err = m.d.QQ.Exchange(ctx, code)
	switch {
	case errors.Is(err, oauth.ErrCodeRejected):
		return prof, false, qqError(c, http.StatusBadRequest, "QQ授权码无效或已过期")
	case err != nil:
		return prof, false, qqError(c, http.StatusBadGateway, "QQ登录服务暂不可用")
	}
	return prof, true, nil
}

// qqCallback: POST /api/v1/auth/qq_callback/ {code, state} → {success,
// access, refresh, user, message, email_optional, tip}; the QQ account's
// user, created (without a password) on first login.
func (m *Module) qqCallback(c echo.Context) error {
	prof, ok, err := m.qqExchange(c)
	if !ok {
		return err
	}
	ctx := c.Request().Context()
	in, err := m.d.Social.SocialSignIn(ctx, identitycmd.SocialSignIn{Provider: domain.ProviderQQ, ExternalID: prof.ExternalID,
		Nickname: prof.Nickname, AvatarURL: prof.AvatarURL}, httpapi.EventMeta(c, m.d.Clock.Now()))
	if errors.Is(err, domain.ErrUserInactive) {
		return qqError(c, http.StatusForbidden, "账号已停用")
	}
	if err != nil {
		return renderError(c, err)
	}
	pair, err := m.d.Identity.IssueTokens(ctx, identitycmd.IssueTokens{UserID: in.User.ID})
	if err != nil {
		return err
	}
	m.d.Consistency.AfterCommand(c, in.Position, query.ProjectionName)
	m.setRefreshCookie(c, pair)
	user := userBrief{ID: in.User.ID, Username: in.User.Username, Email: in.User.Email}
	if u, err := m.d.Users.Me(ctx, query.Me{UserID: domain.FormatUserID(in.User.ID)}); err == nil {
		user.Username, user.Email = u.Username, u.Email
	}
	return c.JSON(http.StatusOK, map[string]any{
		"success": true, "access": pair.Access, "refresh": pair.Refresh, "user": user,
		"message": "QQ登录成功", "email_optional": true, "tip": "建议在个人中心绑定邮箱",
	})
}

// qqBind: POST /api/v1/auth/qq_bind_existing/ {code, state}
// (authenticated) binds the QQ account to the caller → {success, message};
// 400 when that QQ account is another user's or the caller has another QQ.
func (m *Module) qqBind(c echo.Context) error {
	p, ok, err := m.principal(c)
	if !ok {
		return err
	}
	prof, ok, err := m.qqExchange(c)
	if !ok {
		return err
	}
	id, _ := domain.ParseUserID(p.UserID)
	pos, err := m.d.Social.BindSocial(c.Request().Context(), identitycmd.BindSocial{UserID: id, Provider: domain.ProviderQQ,
		ExternalID: prof.ExternalID, Nickname: prof.Nickname, AvatarURL: prof.AvatarURL}, httpapi.EventMeta(c, m.d.Clock.Now()))
	switch {
	case errors.Is(err, domain.ErrSocialTaken):
		return qqError(c, http.StatusBadRequest, "该QQ已绑定其他账号")
	case errors.Is(err, domain.ErrAlreadyBound):
		return qqError(c, http.StatusBadRequest, "您的账号已绑定其他QQ,请先解绑")
	case err != nil:
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "QQ绑定成功"})
}

// qqUnbind: DELETE /api/v1/auth/qq_unbind/ (authenticated) →
// {success, message}; 400 when QQ is not bound or is the last way to log
// in.
func (m *Module) qqUnbind(c echo.Context) error {
	p, ok, err := m.principal(c)
	if !ok {
		return err
	}
	id, _ := domain.ParseUserID(p.UserID)
	pos, err := m.d.Social.UnbindSocialAccount(c.Request().Context(), identitycmd.UnbindSocialAccount{UserID: id, Provider: domain.ProviderQQ},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	switch {
	case errors.Is(err, domain.ErrLastLoginMethod):
		return qqError(c, http.StatusBadRequest, "至少保留一种登录方式,请先设置密码")
	case errors.Is(err, domain.ErrNotBound):
		return qqError(c, http.StatusBadRequest, "未绑定QQ")
	case err != nil:
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "QQ解绑成功"})
}
