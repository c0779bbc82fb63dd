package accounts

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// QQProvider is QQ Connect (transport/oauth's QQ): an exchange refused by QQ
// is identity.ErrProviderRejected.
type QQProvider interface {
	AuthorizeURL(state string) string
	Exchange(ctx context.Context, code string) (identity.ProviderProfile, error)
}

// OAuthStates issues single-use, expiring OAuth states shared by every
// server process, bound to the browser that asked for them (transport/oauth's
// States): a refused state is identity.ErrStateUnknown, ErrStateExpired or
// ErrStateOtherBrowser.
type OAuthStates interface {
	Issue(ctx context.Context, provider, browserNonce string, now time.Time) (string, error)
	Consume(ctx context.Context, provider, state, browserNonce string, now time.Time) error
}

// Social is what the QQ binding routes need of the identity commands
// (identitycmd.Handlers); QQ login signs in through Identity.
type Social interface {
	BindSocial(ctx context.Context, cmd identitycmd.BindSocial) (identitycmd.Done, error)
	UnbindSocialAccount(ctx context.Context, cmd identitycmd.UnbindSocialAccount) (identitycmd.Done, error)
}

// errQQNotConfigured answers the QQ routes of a server without QQ Connect
// (QQ_APP_ID unset).
var errQQNotConfigured = roamio.Refusal{Status: http.StatusNotFound, Message: "QQ登录未配置"}

// qqConfigured is the QQ routes' middleware: 404 without QQ Connect, the
// states or the identity commands.
func (m *Module) qqConfigured(next httpapi.Handler) httpapi.Handler {
	return func(c echo.Context) error {
		if m.d.QQ == nil || m.d.QQStates == nil || m.d.Social == nil {
			return errQQNotConfigured
		}
		return next(c)
	}
}

// qqLoginURL: GET /api/v1/auth/qq_login_url/ → {authorize_url, state}; the
// state is accepted once, for 10 minutes, by qq_callback or
// qq_bind_existing from the same browser: the answer sets (or renews) the
// HttpOnly cookie the state is bound to (bindBrowser).
func (m *Module) qqLoginURL(c echo.Context) error {
	nonce, err := bindBrowser(c)
	if err != nil {
		return err
	}
	state, err := m.d.QQStates.Issue(c.Request().Context(), identity.ProviderQQ, nonce, m.d.Clock.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"authorize_url": m.d.QQ.AuthorizeURL(state), "state": state})
}

// qqExchange reads {code, state}, uses the state and exchanges the code.
// The state is used before the code is sent anywhere: a replayed or forged
// state, or one another browser asked for, exchanges nothing.
func (m *Module) qqExchange(c echo.Context) (identity.ProviderProfile, error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return identity.ProviderProfile{}, err
	}
	errs := drf.FieldErrors{}
	code, _ := f.Str("code", errs, false)
	state, _ := f.Str("state", errs, false)
	if len(errs) > 0 {
		return identity.ProviderProfile{}, errs
	}
	ctx := c.Request().Context()
	switch err := m.d.QQStates.Consume(ctx, identity.ProviderQQ, state, browserNonce(c), m.d.Clock.Now()); {
	case errors.Is(err, identity.ErrStateExpired):
		return identity.ProviderProfile{}, roamio.Refusal{Status: http.StatusBadRequest, Message: "state已过期,请重新发起QQ登录"}
	case errors.Is(err, identity.ErrStateOtherBrowser):
		return identity.ProviderProfile{}, roamio.Refusal{Status: http.StatusBadRequest, Message: "state与当前浏览器不匹配,请在发起QQ登录的浏览器中重新登录"}
	case errors.Is(err, identity.ErrStateUnknown):
		return identity.ProviderProfile{}, roamio.Refusal{Status: http.StatusBadRequest, Message: "无效的state参数"}
	case err != nil:
		return identity.ProviderProfile{}, err
	}
	prof, err := m.d.QQ.Exchange(ctx, code)
	switch {
	case errors.Is(err, identity.ErrProviderRejected):
		return prof, roamio.Refusal{Status: http.StatusBadRequest, Message: "QQ授权码无效或已过期"}
	case err != nil:
		return prof, roamio.Refusal{Status: http.StatusBadGateway, Message: "QQ登录服务暂不可用"}
	}
	return prof, nil
}

// qqCallback: POST /api/v1/auth/qq_callback/ {code, state} → {success,
// access, refresh, user, message, email_optional, tip}; the QQ account's
// user, created (without a password) on first login.
func (m *Module) qqCallback(c echo.Context) error {
	prof, err := m.qqExchange(c)
	if err != nil {
		return err
	}
	in, pair, err := m.flows.SocialLogin(c, identity.ProviderQQ, prof)
	if errors.Is(err, identity.ErrUserInactive) {
		return roamio.Refusal{Status: http.StatusForbidden, Message: "账号已停用"}
	}
	if err != nil {
		return err
	}
	m.setRefreshCookie(c, pair)
	return c.JSON(http.StatusOK, map[string]any{
		"success": true, "access": pair.Access, "refresh": pair.Refresh, "user": m.userBriefOf(c, in.User),
		"message": "QQ登录成功", "email_optional": true, "tip": "建议在个人中心绑定邮箱",
	})
}

// qqBind: POST /api/v1/auth/qq_bind_existing/ {code, state}
// (authenticated) binds the QQ account to the caller → {success, message};
// 400 when that QQ account is another user's or the caller has another QQ.
func (m *Module) qqBind(c echo.Context) error {
	prof, err := m.qqExchange(c)
	if err != nil {
		return err
	}
	_, err = m.d.Social.BindSocial(c.Request().Context(), identitycmd.BindSocial{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		Actor: httpapi.Actor(c), Provider: identity.ProviderQQ, ExternalID: prof.ExternalID, Nickname: prof.Nickname, AvatarURL: prof.AvatarURL})
	switch {
	case errors.Is(err, identity.ErrSocialTaken):
		return roamio.Refusal{Status: http.StatusBadRequest, Message: "该QQ已绑定其他账号"}
	case errors.Is(err, identity.ErrAlreadyBound):
		return roamio.Refusal{Status: http.StatusBadRequest, Message: "您的账号已绑定其他QQ,请先解绑"}
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "QQ绑定成功"})
}

// qqUnbind: DELETE /api/v1/auth/qq_unbind/ (authenticated) →
// {success, message}; 400 when QQ is not bound or is the last way to log
// in.
func (m *Module) qqUnbind(c echo.Context) error {
	_, err := m.d.Social.UnbindSocialAccount(c.Request().Context(), identitycmd.UnbindSocialAccount{
		Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: httpapi.Actor(c), Provider: identity.ProviderQQ})
	switch {
	case errors.Is(err, identity.ErrLastLoginMethod):
		return roamio.Refusal{Status: http.StatusBadRequest, Message: "至少保留一种登录方式,请先设置密码"}
	case errors.Is(err, identity.ErrNotBound):
		return roamio.Refusal{Status: http.StatusBadRequest, Message: "未绑定QQ"}
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "QQ解绑成功"})
}
