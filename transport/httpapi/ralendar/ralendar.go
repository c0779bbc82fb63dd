// Package ralendar serves the account routes of Ralendar (000's calendar,
// under /api/): register, login, refresh, me, and the user's stats,
// bindings, profile, password and social-account unbinding. It shares the
// identity context with Roamio: one account logs in through both, with the
// same JWTs.
package ralendar

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// Identity is what the routes need of the identity commands.
type Identity interface {
	Register(ctx context.Context, cmd identitycmd.Register, meta eventlog.Metadata) (identitycmd.Registered, error)
	Login(ctx context.Context, cmd identitycmd.Login, meta eventlog.Metadata) (identitycmd.LoggedIn, error)
	IssueTokens(ctx context.Context, cmd identitycmd.IssueTokens) (identitycmd.TokenPair, error)
	RefreshToken(ctx context.Context, cmd identitycmd.RefreshToken) (identitycmd.Refreshed, error)
	ChangePassword(ctx context.Context, cmd identitycmd.ChangePassword, meta eventlog.Metadata) (eventlog.Position, error)
	UpdateAccount(ctx context.Context, cmd identitycmd.UpdateAccount, meta eventlog.Metadata) (eventlog.Position, error)
	UnbindSocialAccount(ctx context.Context, cmd identitycmd.UnbindSocialAccount, meta eventlog.Metadata) (eventlog.Position, error)
}

// Users reads accounts.
type Users interface {
	UserByID(ctx context.Context, q query.UserByID) (query.User, error)
	SocialAccounts(ctx context.Context, q query.SocialAccounts) ([]query.SocialAccount, error)
}

// EventStats counts the user's calendar events (total, today, the next 7
// days); nil until the calendar module provides it (all counts are 0).
type EventStats interface {
	UserEventStats(ctx context.Context, userID int64, now time.Time) (total, today, upcoming int, err error)
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the module's ports.
type Deps struct {
	Identity    Identity
	Users       Users
	Stats       EventStats
	Clock       Clock
	Consistency httpapi.Consistency
	Guard       *identityauth.PasswordGuard
	// AcWing and Social serve AcWing login (mounted when both are set).
	AcWing CodeExchanger
	Social SocialSignIn
	// QQ serves QQ login (mounted when it and Social are set).
	QQ CodeExchanger
}

// Module is Ralendar's account API.
type Module struct{ d Deps }

// New returns the module.
func New(d Deps) *Module { return &Module{d: d} }

// Mount implements httpapi.Routes.
func (m *Module) Mount(e *echo.Echo) {
	g := e.Group("/api")
	route := func(method, path string, h echo.HandlerFunc) {
		g.Add(method, path, h)
		g.Add(method, path[:len(path)-1], h)
	}
	route("POST", "/auth/register/", m.register)
	route("POST", "/auth/login/", m.login)
	route("POST", "/auth/refresh/", m.refresh)
	route("GET", "/auth/me/", m.me)
	route("GET", "/user/stats/", m.stats)
	route("GET", "/user/bindings/", m.bindings)
	route("PATCH", "/user/profile/", m.profile)
	route("POST", "/user/change-password/", m.changePassword)
	route("DELETE", "/user/unbind/acwing/", m.unbind(domain.ProviderAcWing, "AcWing 账号已解绑"))
	route("DELETE", "/user/unbind/qq/", m.unbind(domain.ProviderQQ, "QQ 账号已解绑"))
	m.mountOAuth(g, route)
}

// renderError answers err in DRF's format with the JWT challenge.
func renderError(c echo.Context, err error) error {
	return drf.RenderError(c, err, identityauth.BearerChallenge)
}

// errorAnswer is Ralendar's {"error": msg} for refusals that name no field.
func errorAnswer(c echo.Context, status int, msg string) error {
	return c.JSON(status, map[string]any{"error": msg})
}

// caller returns the authenticated user id; without one it has answered 401.
func (m *Module) caller(c echo.Context) (int64, bool, error) {
	if p, ok := authn.From(c); ok {
		id, ok := domain.ParseUserID(p.UserID)
		if ok {
			return id, true, nil
		}
	}
	if err := authn.Err(c); err != nil {
		if !errors.Is(err, authn.ErrInvalidCredentials) {
			return 0, false, err
		}
		return 0, false, identityauth.TokenNotValid(c, "Given token not valid for any token type")
	}
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, identityauth.BearerChallenge)
	return 0, false, drf.Detail(c, http.StatusUnauthorized, "Authentication credentials were not provided.")
}

type userAnswer struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Photo    string `json:"photo"`
}

// answerOf renders a user with the photo of a bound account.
func (m *Module) answerOf(ctx context.Context, id int64) (userAnswer, error) {
	u, err := m.d.Users.UserByID(ctx, query.UserByID{ID: id})
	if err != nil {
		return userAnswer{}, err
	}
	out := userAnswer{ID: u.ID, Username: u.Username, Email: u.Email}
	socials, err := m.d.Users.SocialAccounts(ctx, query.SocialAccounts{UserID: id})
	if err != nil {
		return userAnswer{}, err
	}
	for _, s := range socials {
		if s.AvatarURL != "" {
			out.Photo = s.AvatarURL
			break
		}
	}
	return out, nil
}

// register: POST /api/auth/register/ {username, password, email?} → 201
// {id, username, email}.
func (m *Module) register(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	username, _ := f.Str("username", errs, false)
	password, _ := f.Str("password", errs, false)
	email := ""
	if f.Has("email") {
		email, _ = f.Str("email", errs, true)
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	reg, err := m.d.Identity.Register(c.Request().Context(), identitycmd.Register{Username: username, Email: email, Password: password},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, reg.Position, query.ProjectionName)
	return c.JSON(http.StatusCreated, map[string]any{"id": reg.User.ID, "username": reg.User.Username, "email": reg.User.Email})
}

// login: POST /api/auth/login/ {username, password} → {access, refresh,
// user}.
func (m *Module) login(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	username, _ := f.Str("username", errs, false)
	password, _ := f.Str("password", errs, false)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	ctx := c.Request().Context()
	if d, err := m.d.Guard.Attempt(ctx, username, c.RealIP()); err != nil {
		return err
	} else if !d.Allowed {
		return throttled(c, d.RetryAfter)
	}
	li, err := m.d.Identity.Login(ctx, identitycmd.Login{Identifier: username, Password: password}, httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return renderError(c, err)
	}
	m.d.Guard.Succeeded(ctx, username)
	pair, err := m.d.Identity.IssueTokens(ctx, identitycmd.IssueTokens{UserID: li.User.ID})
	if err != nil {
		return err
	}
	m.d.Consistency.AfterCommand(c, li.Position, query.ProjectionName)
	user, err := m.answerOf(ctx, li.User.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"access": pair.Access, "refresh": pair.Refresh, "user": user})
}

func throttled(c echo.Context, wait time.Duration) error {
	s := strconv.Itoa(int(wait.Seconds()) + 1)
	c.Response().Header().Set("Retry-After", s)
	return drf.Detail(c, http.StatusTooManyRequests, "Request was throttled. Expected available in "+s+" seconds.")
}

// refresh: POST /api/auth/refresh/ {refresh} → {access}.
func (m *Module) refresh(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	refresh, _ := f.Str("refresh", errs, false)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	return identityauth.AnswerRefresh(c, m.d.Identity, refresh, renderError)
}

// me: GET /api/auth/me/ → {id, username, email, photo}.
func (m *Module) me(c echo.Context) error {
	id, ok, err := m.caller(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	u, err := m.answerOf(c.Request().Context(), id)
	if errors.Is(err, query.ErrNotFound) {
		return identityauth.TokenNotValid(c, "User not found")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// stats: GET /api/user/stats/ → {total_events, today_events,
// upcoming_events}.
func (m *Module) stats(c echo.Context) error {
	id, ok, err := m.caller(c)
	if !ok {
		return err
	}
	var total, today, upcoming int
	if m.d.Stats != nil {
		if total, today, upcoming, err = m.d.Stats.UserEventStats(c.Request().Context(), id, m.d.Clock.Now()); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]int{"total_events": total, "today_events": today, "upcoming_events": upcoming})
}

// bindings: GET /api/user/bindings/ → {has_acwing, has_qq, has_password,
// acwing_username, qq_nickname}.
func (m *Module) bindings(c echo.Context) error {
	id, ok, err := m.caller(c)
	if !ok {
		return err
	}
	ctx := c.Request().Context()
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	u, err := m.d.Users.UserByID(ctx, query.UserByID{ID: id})
	if err != nil {
		return renderError(c, err)
	}
	socials, err := m.d.Users.SocialAccounts(ctx, query.SocialAccounts{UserID: id})
	if err != nil {
		return err
	}
	out := map[string]any{"has_acwing": false, "has_qq": false, "has_password": u.HasPassword, "acwing_username": "", "qq_nickname": ""}
	for _, s := range socials {
		switch s.Provider {
		case domain.ProviderAcWing:
			out["has_acwing"], out["acwing_username"] = true, s.Nickname
		case domain.ProviderQQ:
			out["has_qq"], out["qq_nickname"] = true, s.Nickname
		}
	}
	return c.JSON(http.StatusOK, out)
}

// profile: PATCH /api/user/profile/ {username?, email?} → {id, username,
// email}.
func (m *Module) profile(c echo.Context) error {
	id, ok, err := m.caller(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	cmd := identitycmd.UpdateAccount{UserID: id}
	if f.Has("username") {
		if v, ok := f.Str("username", errs, false); ok {
			cmd.Username = &v
		}
	}
	if f.Has("email") {
		if v, ok := f.Str("email", errs, true); ok {
			cmd.Email = &v
		}
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	ctx := c.Request().Context()
	pos, err := m.d.Identity.UpdateAccount(ctx, cmd, httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	u, err := m.d.Users.UserByID(ctx, query.UserByID{ID: id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "email": u.Email})
}

// changePassword: POST /api/user/change-password/ {old_password,
// new_password} → {"message": "密码修改成功,请重新登录"}; accounts without a
// password (OAuth only) are refused.
func (m *Module) changePassword(c echo.Context) error {
	id, ok, err := m.caller(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	oldPw, _ := f.Str("old_password", errs, false)
	newPw, _ := f.Str("new_password", errs, false)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	ctx := c.Request().Context()
	account := "id:" + strconv.FormatInt(id, 10)
	if d, err := m.d.Guard.Attempt(ctx, account, c.RealIP()); err != nil {
		return err
	} else if !d.Allowed {
		return throttled(c, d.RetryAfter)
	}
	pos, err := m.d.Identity.ChangePassword(ctx, identitycmd.ChangePassword{UserID: id, OldPassword: oldPw, NewPassword: newPw},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	if errors.Is(err, domain.ErrNoPassword) {
		return errorAnswer(c, http.StatusBadRequest, "OAuth 账号未设置密码,无法修改密码")
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Guard.Succeeded(ctx, account)
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	return c.JSON(http.StatusOK, map[string]string{"message": "密码修改成功,请重新登录"})
}

// unbind: DELETE /api/user/unbind/{provider}/ → {"message": …}; 400
// {"error": "至少保留一种登录方式"} when it is the last way to log in.
func (m *Module) unbind(provider, done string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, ok, err := m.caller(c)
		if !ok {
			return err
		}
		pos, err := m.d.Identity.UnbindSocialAccount(c.Request().Context(), identitycmd.UnbindSocialAccount{UserID: id, Provider: provider},
			httpapi.EventMeta(c, m.d.Clock.Now()))
		switch {
		case errors.Is(err, domain.ErrLastLoginMethod):
			return errorAnswer(c, http.StatusBadRequest, domain.ErrLastLoginMethod.Message)
		case errors.Is(err, domain.ErrNotBound):
			return errorAnswer(c, http.StatusBadRequest, "未绑定该账号")
		case err != nil:
			return renderError(c, err)
		}
		m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
		return c.JSON(http.StatusOK, map[string]string{"message": done})
	}
}
