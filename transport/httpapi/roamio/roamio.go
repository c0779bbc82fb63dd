// Package roamio serves the Roamio API of 000 under /api/v1/. This slice
// holds its auth routes: register, login, token, token refresh, logout and
// me; trips, comments and the other account routes come later.
package roamio

import (
	"context"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
	"github.com/fiveapis/backend/transport/ratelimit"
)

// Identity is what the auth routes need of the identity commands
// (identitycmd.Handlers).
type Identity interface {
	Register(ctx context.Context, cmd identitycmd.Register, meta eventlog.Metadata) (identitycmd.Registered, error)
	Login(ctx context.Context, cmd identitycmd.Login, meta eventlog.Metadata) (identitycmd.LoggedIn, error)
	IssueTokens(ctx context.Context, cmd identitycmd.IssueTokens) (identitycmd.TokenPair, error)
	RefreshToken(ctx context.Context, cmd identitycmd.RefreshToken) (identitycmd.Refreshed, error)
	RevokeRefreshToken(ctx context.Context, cmd identitycmd.RevokeRefreshToken, meta eventlog.Metadata) (eventlog.Position, error)
	RequestVerificationCode(ctx context.Context, cmd identitycmd.RequestVerificationCode, meta eventlog.Metadata) (identitycmd.CodeRequested, error)
	VerifyCode(ctx context.Context, cmd identitycmd.VerifyCode, meta eventlog.Metadata) (identitycmd.CodeVerified, error)
	ResetPassword(ctx context.Context, cmd identitycmd.ResetPassword, meta eventlog.Metadata) (eventlog.Position, error)
}

// Users is what the routes read about accounts (query.Queries).
type Users interface {
	Me(ctx context.Context, q query.Me) (query.User, error)
}

// Clock tells the time events are stamped with.
type Clock interface{ Now() time.Time }

// Deps are the module's ports.
type Deps struct {
	Identity    Identity
	Users       Users
	Clock       Clock
	Consistency httpapi.Consistency
	// Guard limits password attempts per account and per IP (nil: none).
	Guard *identityauth.PasswordGuard
	// CodeLimiter counts verification-code requests (nil: no limits).
	CodeLimiter *ratelimit.Limiter
	// Profiles, Directory and Files serve /users/ (mounted when the first
	// two are set); PublicURL is the base of avatar links (empty: the
	// request's host).
	Profiles  Profiles
	Directory Directory
	Files     Files
	PublicURL string
	// QQ, QQStates and Social serve the QQ routes (qq_login_url,
	// qq_callback, qq_bind_existing, qq_unbind; mounted when all are set).
	QQ       QQProvider
	QQStates OAuthStates
	Social   Social
}

// Module is the Roamio API. Authentication (Bearer and Token) is the
// authn.Middleware the wiring installs on the server; the routes read its
// Principal.
type Module struct {
	d Deps
}

// New returns the Roamio module.
func New(d Deps) *Module { return &Module{d: d} }

// Prefix is the Roamio API's path prefix.
const Prefix = "/api/v1"

// Mount implements httpapi.Routes.
func (m *Module) Mount(e *echo.Echo) {
	g := e.Group(Prefix)
	route := func(method, path string, h echo.HandlerFunc) {
		g.Add(method, path, h)
		// Django answers the path without its slash with a redirect that
		// loses a POST body; accept it directly.
		g.Add(method, path[:len(path)-1], h)
	}
	route("POST", "/auth/register/", m.register)
	route("POST", "/auth/login/", m.login)
	route("POST", "/auth/logout/", m.logout)
	route("GET", "/auth/me/", m.me)
	route("POST", "/token/", m.login)
	route("POST", "/token/refresh/", m.refresh)
	route("POST", "/auth/refresh/", m.refresh)
	route("POST", "/auth/send_verification_code/", m.sendVerificationCode)
	route("POST", "/auth/verify_code/", m.verifyCode)
	route("POST", "/auth/reset_password/", m.resetPassword)
	m.mountUsers(g, route)
	m.mountQQ(route)
}

func itoa(n int) string { return strconv.Itoa(n) }
