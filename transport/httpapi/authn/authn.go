// Package authn resolves the credentials of a request to a Principal, for every
// seed API alike: Bearer JWTs (000), "Token <key>" sliding tokens (001),
// "ApiKey user:key" and sessions (003, 004) as verifiers are added. Each API
// decides itself what an anonymous or forbidden request gets.
package authn

import (
	"context"
	"errors"
	"strings"

	"github.com/labstack/echo/v4"
)

// Principal is the authenticated caller.
type Principal struct {
	UserID   string
	Username string
	IsAdmin  bool
	// Roles holds module roles (e.g. "magpie:official").
	Roles []string
	// Scheme is how the caller authenticated: "bearer", "token", "apikey", "session".
	Scheme string
}

// HasRole reports whether the principal holds role.
func (p Principal) HasRole(role string) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// ErrInvalidCredentials means credentials were presented but are invalid,
// expired or revoked. Absent credentials are not an error: the request is
// anonymous.
var ErrInvalidCredentials = errors.New("invalid or expired credentials")

// Verifier checks one credential scheme. Scheme is the Authorization header's
// first word, lowercased ("bearer", "token", "apikey").
type Verifier interface {
	Scheme() string
	Verify(ctx context.Context, credentials string) (Principal, error)
}

// RequestVerifier authenticates from something other than the Authorization
// header (a session cookie); it returns ok=false when the request carries none.
type RequestVerifier interface {
	VerifyRequest(c echo.Context) (p Principal, ok bool, err error)
}

type ctxKey struct{}

const echoKey = "authn.principal"
const echoErrKey = "authn.error"

// Middleware authenticates every request it wraps. Valid credentials put a
// Principal in the context; invalid ones are remembered (Err) so the API can
// answer in its own format; no credentials leave the request anonymous.
func Middleware(verifiers []Verifier, requestVerifiers ...RequestVerifier) echo.MiddlewareFunc {
	byScheme := map[string]Verifier{}
	for _, v := range verifiers {
		byScheme[strings.ToLower(v.Scheme())] = v
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
				scheme, cred, _ := strings.Cut(strings.TrimSpace(h), " ")
				v, ok := byScheme[strings.ToLower(scheme)]
				if !ok {
					c.Set(echoErrKey, ErrInvalidCredentials)
					return next(c)
				}
				p, err := v.Verify(c.Request().Context(), strings.TrimSpace(cred))
				if err != nil {
					c.Set(echoErrKey, err)
					return next(c)
				}
				set(c, p)
				return next(c)
			}
			for _, rv := range requestVerifiers {
				p, ok, err := rv.VerifyRequest(c)
				if err != nil {
					c.Set(echoErrKey, err)
					return next(c)
				}
				if ok {
					set(c, p)
					return next(c)
				}
			}
			return next(c)
		}
	}
}

func set(c echo.Context, p Principal) {
	c.Set(echoKey, p)
	req := c.Request()
	c.SetRequest(req.WithContext(context.WithValue(req.Context(), ctxKey{}, p)))
}

// From returns the request's principal.
func From(c echo.Context) (Principal, bool) {
	p, ok := c.Get(echoKey).(Principal)
	return p, ok
}

// FromContext returns the principal stored in a request context.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Err returns the credential error of the request, if credentials were
// presented and rejected.
func Err(c echo.Context) error {
	err, _ := c.Get(echoErrKey).(error)
	return err
}
