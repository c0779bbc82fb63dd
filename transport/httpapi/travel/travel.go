// Package travel serves the user routes of 004's travel-log app (/user/…):
// image captcha, session login with the "user" field typed by its shape,
// logout, registration, password, avatar, user info and a two-step password
// reset by an e-mailed code. Every answer is HTTP 200 with the real code in
// {"code", "msg", "data"}, as the original clients expect (errors.go holds
// the one error table). The session (cookie "sessionid") is also an
// authn.RequestVerifier for other modules.
package travel

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
)

// Identity is what the routes need of the identity commands.
type Identity interface {
	Register(ctx context.Context, cmd identitycmd.Register) (identitycmd.Registered, error)
	LoginAs(ctx context.Context, cmd identitycmd.LoginAs) (identitycmd.LoggedIn, error)
	ChangePassword(ctx context.Context, cmd identitycmd.ChangePassword) (identitycmd.Done, error)
	UpdateTravelInfo(ctx context.Context, cmd identitycmd.UpdateTravelInfo) (identitycmd.Done, error)
	ChangeAvatar(ctx context.Context, cmd identitycmd.ChangeAvatar) (identitycmd.Done, error)
	RequestVerificationCode(ctx context.Context, cmd identitycmd.RequestVerificationCode) (identitycmd.CodeRequested, error)
	VerifyCode(ctx context.Context, cmd identitycmd.VerifyCode) (identitycmd.CodeVerified, error)
	ResetPassword(ctx context.Context, cmd identitycmd.ResetPassword) (identitycmd.Done, error)
}

// Users reads accounts.
type Users interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
	UserByUsername(ctx context.Context, q identityq.UserByUsername) (identityq.User, error)
	UserByEmail(ctx context.Context, q identityq.UserByEmail) (identityq.User, error)
	UserByPhone(ctx context.Context, q identityq.UserByPhone) (identityq.User, error)
}

// Files stores avatars and serves them.
type Files interface {
	Put(data []byte, ext string) (string, error)
	Serve(c echo.Context) error
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the module's ports.
type Deps struct {
	Identity Identity
	Users    Users
	Sessions Sessions
	Files    Files
	Clock    Clock
	// AllowNoCaptcha honours "no_captcha" (a debug setting; never in
	// production).
	AllowNoCaptcha bool
}

// Module is 004's user API.
type Module struct{ d Deps }

// New returns the module.
func New(d Deps) *Module { return &Module{d: d} }

// CookieName is the session cookie.
const CookieName = httpapi.SessionCookie

// Session is 004's server-side session (Django's): the logged-in user, the
// pending captcha and the pending password reset.
type Session struct {
	ID             string
	UserID         int64
	CaptchaHash    string
	CaptchaExpires time.Time
	ResetEmail     string
	ResetExpires   time.Time
	ExpiresAt      time.Time
}

// Sessions stores sessions so that every server process sees them
// (transport/sessions through the wiring).
type Sessions interface {
	// New creates an empty session; Get loads a live one (ok false: none or
	// expired).
	New(ctx context.Context, now time.Time) (Session, error)
	Get(ctx context.Context, id string, now time.Time) (Session, bool, error)
	// SetCaptcha stores a captcha answer's hash; TakeCaptcha removes and
	// returns it (single use, right or wrong).
	SetCaptcha(ctx context.Context, id, answerHash string, expires time.Time) error
	TakeCaptcha(ctx context.Context, id string) (hash string, expires time.Time, err error)
	// SetUser logs the session in (0: out) and forgets a pending reset.
	SetUser(ctx context.Context, id string, user int64) error
	// SetReset remembers the address a reset code was sent to.
	SetReset(ctx context.Context, id, email string, expires time.Time) error
	// Delete ends a session.
	Delete(ctx context.Context, id string) error
}
