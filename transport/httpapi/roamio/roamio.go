// Package roamio serves the Roamio API of 000 under /api/v1/. This slice
// holds its auth routes: register, login, token, token refresh, logout and
// me; trips, comments and the other account routes come later.
package roamio

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
)

// Identity is what the auth routes need of the identity commands
// (identitycmd.Handlers).
type Identity interface {
	Register(ctx context.Context, cmd identitycmd.Register, meta eventlog.Metadata) (identitycmd.Registered, error)
	Login(ctx context.Context, cmd identitycmd.Login, meta eventlog.Metadata) (identitycmd.LoggedIn, error)
	IssueTokens(ctx context.Context, cmd identitycmd.IssueTokens) (identitycmd.TokenPair, error)
	RefreshToken(ctx context.Context, cmd identitycmd.RefreshToken) (identitycmd.Refreshed, error)
	RevokeRefreshToken(ctx context.Context, cmd identitycmd.RevokeRefreshToken, meta eventlog.Metadata) (eventlog.Position, error)
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

// Mount implements httpapi.Module.
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
}
