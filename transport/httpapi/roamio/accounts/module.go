// Package accounts serves Roamio's account routes (000, /api/v1/): register,
// login, token and refresh, logout, me, verification codes and password
// reset, QQ login and binding, and the users' public profiles and avatars.
// The answers are in Roamio's dialect (package roamio).
package accounts

import (
	"context"
	"time"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// Identity is what the account routes need of the identity commands
// (identitycmd.Handlers).
type Identity interface {
	identityauth.JWTLogins
	Register(ctx context.Context, cmd identitycmd.Register) (identitycmd.Registered, error)
	RevokeRefreshToken(ctx context.Context, cmd identitycmd.RevokeRefreshToken) (identitycmd.Done, error)
	RequestVerificationCode(ctx context.Context, cmd identitycmd.RequestVerificationCode) (identitycmd.CodeRequested, error)
	VerifyCode(ctx context.Context, cmd identitycmd.VerifyCode) (identitycmd.CodeVerified, error)
	ResetPassword(ctx context.Context, cmd identitycmd.ResetPassword) (identitycmd.Done, error)
}

// Users is what the routes read about accounts (identityq.Queries).
type Users interface {
	Me(ctx context.Context, q identityq.Me) (identityq.User, error)
}

// Clock tells the time events are stamped with.
type Clock interface{ Now() time.Time }

// Deps are the module's ports.
type Deps struct {
	Identity Identity
	Users    Users
	Clock    Clock
	// Profiles, Directory and Files serve /users/ (mounted when the first
	// two are set); PublicURL is the base of avatar links (empty: the
	// request's host).
	Profiles  Profiles
	Directory Directory
	Files     Files
	PublicURL string
	// Stats counts users' trips and comments (nil: all 0).
	Stats TravelStats
	// QQ, QQStates and Social serve the QQ routes (qq_login_url,
	// qq_callback, qq_bind_existing, qq_unbind; mounted when all are set).
	QQ       QQProvider
	QQStates OAuthStates
	Social   Social
}

// Module is Roamio's account API. Authentication (Bearer and Token) is the
// authn.Middleware the wiring installs on the server; the routes read its
// caller.
type Module struct {
	d     Deps
	flows identityauth.JWTFlows
}

// New returns the module.
func New(d Deps) *Module {
	return &Module{d: d, flows: identityauth.JWTFlows{Commands: d.Identity, Clock: d.Clock}}
}
