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
// HTTPS): the Router applies it to every route (transport/httpapi/csrf.go);
// ApiKey requests are exempt. The login sets the csrftoken cookie.
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
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// Identity is what the resource needs of the identity commands.
type Identity interface {
	AppDigestLogin(ctx context.Context, cmd identitycmd.AppDigestLogin) (identitycmd.LoggedIn, error)
	RegisterFromEmail(ctx context.Context, cmd identitycmd.RegisterFromEmail) (identitycmd.AppUser, error)
	UpdateAccount(ctx context.Context, cmd identitycmd.UpdateAccount) (identitycmd.Done, error)
	UpdateContactInfo(ctx context.Context, cmd identitycmd.UpdateContactInfo) (identitycmd.Done, error)
}

// Users reads accounts.
type Users interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
	ContactInfo(ctx context.Context, q identityq.ContactInfoOf) (identityq.ContactInfo, error)
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the module's ports.
type Deps struct {
	Identity Identity
	Users    Users
	Sessions Sessions
	Nonces   Nonces
	Clock    Clock
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

// Mount implements httpapi.Routes: the resource's routes, with and without
// the trailing slash, under the Router's CSRF check.
func (m *Module) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, "/api/lastest/auth", Render)
	r.GET("/user/", m.list)
	r.POST("/user/", m.create)
	r.With(User).GET("/user/:id/", m.detail)
	r.With(User).PATCH("/user/:id/", m.patch)
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

// list: GET /api/lastest/auth/user/. With api_key_id, salt_id and
// api_key_verify it is the app login (a session opens: cookies sessionid
// and csrftoken); otherwise an ApiKey or session caller gets their user.
func (m *Module) list(c echo.Context) error {
	q := c.QueryParams()
	if q.Has("api_key_id") || q.Has("api_key_verify") {
		return m.appLogin(c)
	}
	actor := httpapi.Actor(c)
	if !actor.Authenticated() {
		return errUnauthorized
	}
	u, err := m.d.Users.UserByID(c.Request().Context(), identityq.UserByID{ID: actor.UserID})
	if err != nil {
		return errUnauthorized
	}
	return c.JSON(http.StatusOK, envelope([]userObject{objectOf(u)}))
}

// appLogin is the digest login of list: the salt is spent first, so that a
// replay records nothing; the digest is checked within the attempt limits
// (the command's).
func (m *Module) appLogin(c echo.Context) error {
	ctx, q := c.Request().Context(), c.QueryParams()
	id, err := strconv.ParseInt(q.Get("api_key_id"), 10, 64)
	if err != nil || id <= 0 {
		return BadRequest{Field: "api_key_id", Message: "api_key_id must be a positive integer"}
	}
	salt := q.Get("salt_id")
	if !validSalt(salt) {
		return BadRequest{Field: "salt_id", Message: "salt_id must have 8 to 64 characters of [A-Za-z0-9._-]"}
	}
	if fresh, err := m.useSalt(ctx, "key:"+strconv.FormatInt(id, 10), salt); err != nil {
		return err
	} else if !fresh {
		return errUnauthorized
	}
	li, err := m.d.Identity.AppDigestLogin(ctx, identitycmd.AppDigestLogin{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		KeyID: id, Salt: salt, Verify: q.Get("api_key_verify")})
	if errors.Is(err, identity.ErrBadCredentials) || errors.Is(err, identity.ErrUserInactive) {
		return errUnauthorized
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
	httpapi.SetCSRFCookie(c)
	httpapi.Settle(c)
	u, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: li.User.ID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, envelope([]userObject{objectOf(u)}))
}

// detail: GET /api/lastest/auth/user/{id}/ for the user themselves or an
// admin.
func (m *Module) detail(c echo.Context) error {
	id, ok := identity.ParseUserID(c.Param("id"))
	if !ok {
		return errNotFound
	}
	if actor := httpapi.Actor(c); !actor.Owns(id) && !actor.Admin {
		return errUnauthorized
	}
	u, err := m.d.Users.UserByID(c.Request().Context(), identityq.UserByID{ID: id})
	if errors.Is(err, identityq.ErrNotFound) {
		return errNotFound
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
		return BadRequest{Field: "body", Message: "The request body could not be parsed."}
	}
	salt, _ := f.Opt("salt_id")
	email, _ := f.Opt("email_of_google_play")
	verify, _ := f.Opt("app_key_verify")
	switch {
	case !validSalt(salt):
		return BadRequest{Field: "salt_id", Message: "salt_id must have 8 to 64 characters of [A-Za-z0-9._-]"}
	case email == "":
		return BadRequest{Field: "email_of_google_play", Message: "This field is required."}
	case m.d.AppSecret == "":
		return errUnauthorized
	}
	want := identitycmd.SHA1Hex(m.d.AppSecret + salt + email)
	if subtle.ConstantTimeCompare([]byte(want), []byte(verify)) != 1 {
		return errUnauthorized
	}
	ctx := c.Request().Context()
	if fresh, err := m.useSalt(ctx, "app", salt); err != nil {
		return err
	} else if !fresh {
		return errUnauthorized
	}
	au, err := m.d.Identity.RegisterFromEmail(ctx, identitycmd.RegisterFromEmail{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Email: email})
	if err != nil {
		for _, f := range drf.LeafFaults(err) {
			if f.Field != "" {
				return BadRequest{Field: "email_of_google_play", Message: f.Message}
			}
		}
		return err
	}
	httpapi.Settle(c)
	u, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: au.User.ID})
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

// patch: PATCH /api/lastest/auth/user/{id}/ {email, first_name, last_name}
// — a user changes their own data (an admin: no one else's either, the
// seed names no such case) → 202 with the user.
func (m *Module) patch(c echo.Context) error {
	id, ok := identity.ParseUserID(c.Param("id"))
	if !ok {
		return errNotFound
	}
	actor := httpapi.Actor(c)
	if !actor.Owns(id) {
		return errUnauthorized
	}
	b, err := ReadBody(c)
	if err != nil {
		return err
	}
	email, err1 := b.Str("email")
	first, err2 := b.Str("first_name")
	last, err3 := b.Str("last_name")
	if err := errors.Join(err1, err2, err3); err != nil {
		var bad BadRequest
		errors.As(err, &bad)
		return bad
	}
	ctx := c.Request().Context()
	meta := httpapi.EventMeta(c, m.d.Clock.Now())
	if email != nil {
		if _, err := m.d.Identity.UpdateAccount(ctx, identitycmd.UpdateAccount{Meta: meta, Actor: actor, Email: email}); err != nil {
			return err
		}
	}
	if first != nil || last != nil {
		ci, err := m.d.Users.ContactInfo(ctx, identityq.ContactInfoOf{UserID: id})
		if err != nil {
			return err
		}
		info := identity.ContactInfo{Name: ci.Name, Position: ci.Position, Department: ci.Department, QQ: ci.QQ, Phone: ci.Phone,
			Mobile: ci.Mobile, FirstName: ci.FirstName, LastName: ci.LastName, WeChat: ci.WeChat, Description: ci.Description}
		if first != nil {
			info.FirstName = *first
		}
		if last != nil {
			info.LastName = *last
		}
		if _, err := m.d.Identity.UpdateContactInfo(ctx, identitycmd.UpdateContactInfo{Meta: meta, Actor: actor, Info: info}); err != nil {
			return err
		}
	}
	httpapi.Settle(c)
	u, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: id})
	if err != nil {
		return err
	}
	o := objectOf(u)
	if ci, err := m.d.Users.ContactInfo(ctx, identityq.ContactInfoOf{UserID: id}); err == nil {
		o.FirstName, o.LastName = ci.FirstName, ci.LastName
	}
	return c.JSON(http.StatusAccepted, o)
}
