// Package magpie serves 003's account resource (tastypie style) under
// /api/lastest/auth/user/: the SHA1-digest app login that opens a session,
// the creation of users from an app's e-mail with their API key, and the
// user list/detail for ApiKey and session callers, in tastypie's envelope
// {"meta": {limit, next, offset, previous, total_count}, "objects": […]}.
//
// # Digest scheme (docs/identity.md)
//
//   - Login, GET ?api_key_id=&salt_id=&api_key_verify=: api_key_verify is
//     sha1_hex(<API key> + salt_id), lowercase hex, where the API key is the
//     40-character key of api_key_id (= the user id) that POST returned.
//   - Create, POST {salt_id, email_of_google_play, app_key_verify}:
//     app_key_verify is sha1_hex(<app secret> + salt_id +
//     email_of_google_play) with the deployment's MAGPIE_APP_SECRET.
//   - salt_id is a client nonce (8–64 characters of [A-Za-z0-9._-],
//     e.g. "<unix time>-<random>"), accepted once per key: a replayed
//     digest is refused. Used salts are kept (transport/nonces).
//
// # CSRF
//
// The session cookie the login opens authenticates every 003 route, so a
// state-changing request authenticated by it must pass Django's CSRF check
// (double-submit csrftoken cookie + X-CSRFToken header, Origin/Referer for
// HTTPS); ApiKey requests are exempt (csrf.go).
package magpie

import (
	"context"
	"crypto/subtle"
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
)

// Identity is what the resource needs of the identity commands.
type Identity interface {
	AppDigestLogin(ctx context.Context, cmd identitycmd.AppDigestLogin, meta eventlog.Metadata) (identitycmd.LoggedIn, error)
	RegisterFromEmail(ctx context.Context, email string, meta eventlog.Metadata) (identitycmd.AppUser, error)
}

// Users reads accounts.
type Users interface {
	UserByID(ctx context.Context, q query.UserByID) (query.User, error)
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the module's ports.
type Deps struct {
	Identity    Identity
	Users       Users
	Sessions    Sessions
	Nonces      Nonces
	Clock       Clock
	Consistency httpapi.Consistency
	// AppSecret verifies app_key_verify (MAGPIE_APP_SECRET); empty: users
	// cannot be created from the app.
	AppSecret string
}

// Module is 003's account resource.
type Module struct {
	d Deps
}

// Sessions logs a web session in (transport/sessions through the wiring):
// the session id for the "sessionid" cookie and when it expires.
type Sessions interface {
	Login(ctx context.Context, userID int64, now time.Time) (id string, expires time.Time, err error)
}

// Nonces records values that may be used once (transport/nonces).
type Nonces interface {
	Use(ctx context.Context, scope, value string) (fresh bool, err error)
}

// New returns the module.
func New(d Deps) *Module { return &Module{d: d} }

// Prefix is the resource's path.
const Prefix = "/api/lastest/auth/user/"

// Mount implements httpapi.Routes. The CSRF check covers every route under
// APIPrefix, whichever module serves it.
func (m *Module) Mount(e *echo.Echo) {
	e.Use(csrfGuard)
	for _, p := range []string{Prefix, Prefix[:len(Prefix)-1]} {
		e.GET(p, m.list)
		e.POST(p, m.create)
	}
	e.GET(Prefix+":id/", m.detail)
	e.GET(Prefix+":id", m.detail)
}

// useSalt records a salt under scope; false when it was used before.
func (m *Module) useSalt(ctx context.Context, scope, salt string) (bool, error) {
	return m.d.Nonces.Use(ctx, scope, salt)
}

func validSalt(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// unauthorized is tastypie's HttpUnauthorized: 401 with an empty body.
func unauthorized(c echo.Context) error { return c.NoContent(http.StatusUnauthorized) }

func badRequest(c echo.Context, field, msg string) error {
	return c.JSON(http.StatusBadRequest, map[string]any{"error": msg, field: []string{msg}})
}

type userObject struct {
	DateJoined  string  `json:"date_joined"`
	Email       string  `json:"email"`
	FirstName   string  `json:"first_name"`
	ID          int64   `json:"id"`
	LastLogin   *string `json:"last_login"`
	LastName    string  `json:"last_name"`
	ResourceURI string  `json:"resource_uri"`
	Username    string  `json:"username"`
	APIKey      any     `json:"api_key,omitempty"`
}

const tastypieTime = "2006-01-02T15:04:05.000000"

func objectOf(u query.User) userObject {
	o := userObject{DateJoined: u.DateJoined.UTC().Format(tastypieTime), Email: u.Email, ID: u.ID,
		ResourceURI: Prefix + strconv.FormatInt(u.ID, 10) + "/", Username: u.Username}
	if !u.LastLogin.IsZero() {
		s := u.LastLogin.UTC().Format(tastypieTime)
		o.LastLogin = &s
	}
	return o
}

func envelope(objects []userObject) map[string]any {
	return map[string]any{
		"meta":    map[string]any{"limit": 20, "next": nil, "offset": 0, "previous": nil, "total_count": len(objects)},
		"objects": objects,
	}
}

// list: GET /api/lastest/auth/user/. With api_key_id, salt_id and
// api_key_verify it is the app login (a session opens: cookies sessionid
// and csrftoken); otherwise an ApiKey or session caller gets their user.
func (m *Module) list(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	if q.Has("api_key_id") || q.Has("api_key_verify") {
		id, err := strconv.ParseInt(q.Get("api_key_id"), 10, 64)
		if err != nil || id <= 0 {
			return badRequest(c, "api_key_id", "api_key_id must be a positive integer")
		}
		salt := q.Get("salt_id")
		if !validSalt(salt) {
			return badRequest(c, "salt_id", "salt_id must have 8 to 64 characters of [A-Za-z0-9._-]")
		}
		// The salt is spent first, so that a replay records nothing.
		if fresh, err := m.useSalt(ctx, "key:"+strconv.FormatInt(id, 10), salt); err != nil {
			return err
		} else if !fresh {
			return unauthorized(c)
		}
		li, err := m.d.Identity.AppDigestLogin(ctx, identitycmd.AppDigestLogin{KeyID: id, Salt: salt, Verify: q.Get("api_key_verify")},
			httpapi.EventMeta(c, m.d.Clock.Now()))
		if errors.Is(err, domain.ErrBadCredentials) || errors.Is(err, domain.ErrUserInactive) {
			return unauthorized(c)
		}
		if err != nil {
			return err
		}
		sid, expires, err := m.d.Sessions.Login(ctx, li.User.ID, m.d.Clock.Now())
		if err != nil {
			return err
		}
		c.SetCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: sid, Path: "/", Expires: expires, HttpOnly: true,
			Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
		setCSRFCookie(c)
		m.d.Consistency.AfterCommand(c, li.Position, query.ProjectionName)
		u, err := m.d.Users.UserByID(ctx, query.UserByID{ID: li.User.ID})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, envelope([]userObject{objectOf(u)}))
	}
	p, ok := authn.From(c)
	if !ok {
		return unauthorized(c)
	}
	id, _ := domain.ParseUserID(p.UserID)
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	u, err := m.d.Users.UserByID(ctx, query.UserByID{ID: id})
	if err != nil {
		return unauthorized(c)
	}
	return c.JSON(http.StatusOK, envelope([]userObject{objectOf(u)}))
}

// detail: GET /api/lastest/auth/user/{id}/ for the user themselves or an
// admin.
func (m *Module) detail(c echo.Context) error {
	p, ok := authn.From(c)
	if !ok {
		return unauthorized(c)
	}
	id, ok := domain.ParseUserID(c.Param("id"))
	if !ok {
		return c.NoContent(http.StatusNotFound)
	}
	if p.UserID != domain.FormatUserID(id) && !p.IsAdmin {
		return unauthorized(c)
	}
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	u, err := m.d.Users.UserByID(c.Request().Context(), query.UserByID{ID: id})
	if errors.Is(err, query.ErrNotFound) {
		return c.NoContent(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, objectOf(u))
}

// create: POST /api/lastest/auth/user/ {salt_id, email_of_google_play,
// app_key_verify} → 201 the new user with its api_key, or 200 the existing
// one.
func (m *Module) create(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return badRequest(c, "body", "The request body could not be parsed.")
	}
	salt, _ := f.Opt("salt_id")
	email, _ := f.Opt("email_of_google_play")
	verify, _ := f.Opt("app_key_verify")
	switch {
	case !validSalt(salt):
		return badRequest(c, "salt_id", "salt_id must have 8 to 64 characters of [A-Za-z0-9._-]")
	case email == "":
		return badRequest(c, "email_of_google_play", "This field is required.")
	case m.d.AppSecret == "":
		return unauthorized(c)
	}
	want := identitycmd.SHA1Hex(m.d.AppSecret + salt + email)
	if subtle.ConstantTimeCompare([]byte(want), []byte(verify)) != 1 {
		return unauthorized(c)
	}
	ctx := c.Request().Context()
	if fresh, err := m.useSalt(ctx, "app", salt); err != nil {
		return err
	} else if !fresh {
		return unauthorized(c)
	}
	au, err := m.d.Identity.RegisterFromEmail(ctx, email, httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		for _, f := range drf.LeafFaults(err) {
			if f.Field != "" {
				return badRequest(c, "email_of_google_play", f.Message)
			}
		}
		return err
	}
	m.d.Consistency.AfterCommand(c, au.Position, query.ProjectionName)
	u, err := m.d.Users.UserByID(ctx, query.UserByID{ID: au.User.ID})
	if err != nil {
		return err
	}
	o := objectOf(u)
	o.APIKey = map[string]any{"id": au.User.ID, "key": au.APIKey}
	status := http.StatusOK
	if au.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, o)
}
