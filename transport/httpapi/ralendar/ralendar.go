// Package ralendar serves the account routes of Ralendar (000's calendar,
// under /api/): register, login, refresh, me, and the user's stats,
// bindings, profile, password and social-account unbinding, AcWing and QQ
// login. It shares the identity context and the JWT dialect
// (identityauth) with Roamio: one account logs in through both, with the
// same JWTs. Its own words are the {"error": …} refusals (errors.go).
package ralendar

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// Identity is what the routes need of the identity commands.
type Identity interface {
	identityauth.JWTLogins
	Register(ctx context.Context, cmd identitycmd.Register) (identitycmd.Registered, error)
	ChangePassword(ctx context.Context, cmd identitycmd.ChangePassword) (identitycmd.Done, error)
	UpdateAccount(ctx context.Context, cmd identitycmd.UpdateAccount) (identitycmd.Done, error)
	UnbindSocialAccount(ctx context.Context, cmd identitycmd.UnbindSocialAccount) (identitycmd.Done, error)
}

// Users reads accounts.
type Users interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
	SocialAccounts(ctx context.Context, q identityq.SocialAccounts) ([]identityq.SocialAccount, error)
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
	Identity Identity
	Users    Users
	Stats    EventStats
	Clock    Clock
	// AcWing and QQ serve AcWing and QQ login (each mounted when set).
	AcWing CodeExchanger
	QQ     QQLogin
	// SyncAPIKey is the system key of POST /api/sync/user-info/ (the route
	// is mounted only when it is set).
	SyncAPIKey string
	// OAuthClients are the applications of Ralendar's OAuth 2.0 provider
	// (/api/oauth/…, mounted when there is one); OAuthCodes spends codes
	// once; OAuthSecret signs them.
	OAuthClients []OAuthClient
	OAuthCodes   CodeLedger
	OAuthSecret  []byte
}

// Module is Ralendar's account API.
type Module struct {
	d     Deps
	flows identityauth.JWTFlows
}

// New returns the module.
func New(d Deps) *Module {
	return &Module{d: d, flows: identityauth.JWTFlows{Commands: d.Identity, Clock: d.Clock}}
}

type userAnswer struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Photo    string `json:"photo"`
}

// answerOf renders a user with the photo of a bound account.
func (m *Module) answerOf(ctx context.Context, id int64) (userAnswer, error) {
	u, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: id})
	if err != nil {
		return userAnswer{}, err
	}
	out := userAnswer{ID: u.ID, Username: u.Username, Email: u.Email}
	socials, err := m.d.Users.SocialAccounts(ctx, identityq.SocialAccounts{UserID: id})
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

// tokensAnswer answers a login: {access, refresh, user}, the user read
// back from the read model once it has the login.
func (m *Module) tokensAnswer(c echo.Context, userID int64, pair identitycmd.TokenPair) error {
	httpapi.Settle(c)
	user, err := m.answerOf(c.Request().Context(), userID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"access": pair.Access, "refresh": pair.Refresh, "user": user})
}

// register: POST /api/auth/register/ {username, password, email?} → 201
// {id, username, email}.
func (m *Module) register(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	username, _ := f.Str("username", errs, false)
	password, _ := f.Str("password", errs, false)
	email := ""
	if f.Has("email") {
		email, _ = f.Str("email", errs, true)
	}
	if len(errs) > 0 {
		return errs
	}
	reg, err := m.d.Identity.Register(c.Request().Context(), identitycmd.Register{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		Username: username, Email: email, Password: password})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": reg.User.ID, "username": reg.User.Username, "email": reg.User.Email})
}

// login: POST /api/auth/login/ {username, password} → {access, refresh,
// user}.
func (m *Module) login(c echo.Context) error {
	li, pair, err := m.flows.PasswordLogin(c)
	if err != nil {
		return err
	}
	return m.tokensAnswer(c, li.User.ID, pair)
}

// refresh: POST /api/auth/refresh/ {refresh} → {access}.
func (m *Module) refresh(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	refresh, _ := f.Str("refresh", errs, false)
	if len(errs) > 0 {
		return errs
	}
	return m.flows.Refresh(c, refresh)
}

// me: GET /api/auth/me/ → {id, username, email, photo}.
func (m *Module) me(c echo.Context) error {
	u, err := m.answerOf(c.Request().Context(), httpapi.Actor(c).UserID)
	if errors.Is(err, identityq.ErrNotFound) {
		return identityauth.TokenNotValid{Detail: "User not found"}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// stats: GET /api/user/stats/ → {total_events, today_events,
// upcoming_events}.
func (m *Module) stats(c echo.Context) error {
	var total, today, upcoming int
	if m.d.Stats != nil {
		var err error
		if total, today, upcoming, err = m.d.Stats.UserEventStats(c.Request().Context(), httpapi.Actor(c).UserID, m.d.Clock.Now()); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]int{"total_events": total, "today_events": today, "upcoming_events": upcoming})
}

// bindings: GET /api/user/bindings/ → {has_acwing, has_qq, has_password,
// acwing_username, qq_nickname}.
func (m *Module) bindings(c echo.Context) error {
	ctx, id := c.Request().Context(), httpapi.Actor(c).UserID
	u, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: id})
	if err != nil {
		return err
	}
	socials, err := m.d.Users.SocialAccounts(ctx, identityq.SocialAccounts{UserID: id})
	if err != nil {
		return err
	}
	out := map[string]any{"has_acwing": false, "has_qq": false, "has_password": u.HasPassword, "acwing_username": "", "qq_nickname": ""}
	for _, s := range socials {
		switch s.Provider {
		case identity.ProviderAcWing:
			out["has_acwing"], out["acwing_username"] = true, s.Nickname
		case identity.ProviderQQ:
			out["has_qq"], out["qq_nickname"] = true, s.Nickname
		}
	}
	return c.JSON(http.StatusOK, out)
}

// profile: PATCH /api/user/profile/ {username?, email?} → {id, username,
// email}.
func (m *Module) profile(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	cmd := identitycmd.UpdateAccount{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: httpapi.Actor(c)}
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
		return errs
	}
	ctx := c.Request().Context()
	if _, err := m.d.Identity.UpdateAccount(ctx, cmd); err != nil {
		return err
	}
	httpapi.Settle(c)
	u, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: cmd.Actor.UserID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "email": u.Email})
}

// changePassword: POST /api/user/change-password/ {old_password,
// new_password} → {"message": "密码修改成功,请重新登录"}; accounts without a
// password (OAuth only) are refused. The old password is checked within the
// attempt limits (the command's).
func (m *Module) changePassword(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	oldPw, _ := f.Str("old_password", errs, false)
	newPw, _ := f.Str("new_password", errs, false)
	if len(errs) > 0 {
		return errs
	}
	_, err = m.d.Identity.ChangePassword(c.Request().Context(), identitycmd.ChangePassword{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		Actor: httpapi.Actor(c), OldPassword: oldPw, NewPassword: newPw})
	if errors.Is(err, identity.ErrNoPassword) {
		return Refusal{Status: http.StatusBadRequest, Message: "OAuth 账号未设置密码,无法修改密码"}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"message": "密码修改成功,请重新登录"})
}

// unbind: DELETE /api/user/unbind/{provider}/ → {"message": …}; 400
// {"error": "至少保留一种登录方式"} when it is the last way to log in.
func (m *Module) unbind(provider, done string) func(echo.Context) error {
	return func(c echo.Context) error {
		_, err := m.d.Identity.UnbindSocialAccount(c.Request().Context(), identitycmd.UnbindSocialAccount{
			Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: httpapi.Actor(c), Provider: provider})
		switch {
		case errors.Is(err, identity.ErrLastLoginMethod):
			return Refusal{Status: http.StatusBadRequest, Message: identity.ErrLastLoginMethod.Message}
		case errors.Is(err, identity.ErrNotBound):
			return Refusal{Status: http.StatusBadRequest, Message: "未绑定该账号"}
		case err != nil:
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"message": done})
	}
}
