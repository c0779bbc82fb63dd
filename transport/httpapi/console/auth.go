package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/fault"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
)

// CookieName is the console's session cookie: HttpOnly, SameSite=Strict,
// sent only to /console/.
const CookieName = "console_session"

// operatorKey is where requireAdmin leaves the logged-in operator.
const operatorKey = "console.operator"

var (
	errAdminOnly = fault.New(fault.Forbidden, "ADMIN_REQUIRED", "The console is for administrators; this account is not one.")
	errCSRF      = fault.New(fault.Forbidden, "CSRF_FAILED", "The form has expired or did not come from this console; open the page again and retry.")
)

// csrf checks every POST of the console: Django's rules (httpapi.CSRFFailure)
// with the token of the form's csrfmiddlewaretoken field.
func (m *Module) csrf(next httpapi.Handler) httpapi.Handler {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodPost {
			if reason := httpapi.CSRFFailure(c); reason != "" {
				m.d.Logger.Info("console: CSRF refused", "path", c.Request().URL.Path, "reason", reason)
				return errCSRF
			}
		}
		return next(c)
	}
}

// requireAdmin lets through requests of a live session of an active
// administrator: without one, a GET is sent to the login page (and back
// after it), a POST gets the login page's 401; another user gets 403.
func (m *Module) requireAdmin(next httpapi.Handler) httpapi.Handler {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		ck, err := c.Cookie(CookieName)
		if err != nil || ck.Value == "" {
			return m.toLogin(c)
		}
		uid, ok, err := m.d.Sessions.UserOf(ctx, ck.Value, m.d.Clock.Now())
		if err != nil {
			return err
		}
		if !ok {
			return m.toLogin(c)
		}
		u, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: uid})
		if errors.Is(err, identityq.ErrNotFound) || (err == nil && !u.IsActive) {
			return m.toLogin(c)
		}
		if err != nil {
			return err
		}
		if !u.IsAdmin {
			return errAdminOnly
		}
		c.Set(operatorKey, u.Username)
		return next(c)
	}
}

// toLogin sends an anonymous request to the login page.
func (m *Module) toLogin(c echo.Context) error {
	if c.Request().Method != http.MethodGet {
		return m.show(c, http.StatusUnauthorized, "login", loginView{Next: Prefix + "/", Error: "Your session has ended: log in again."})
	}
	return c.Redirect(http.StatusSeeOther, Prefix+"/login/?next="+url.QueryEscape(c.Request().URL.RequestURI()))
}

// safeNext is where to go after logging in: a console page, nothing else
// (no open redirect).
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") || strings.Contains(next, "..") ||
		strings.HasPrefix(next, Prefix+"/login") {
		return Prefix + "/"
	}
	return next
}

type loginView struct {
	Username string
	Next     string
	Error    string
}

func (m *Module) loginForm(c echo.Context) error {
	return m.show(c, http.StatusOK, "login", loginView{Next: safeNext(c.QueryParam("next"))})
}

func (m *Module) login(c echo.Context) error {
	username, password := strings.TrimSpace(c.FormValue("username")), c.FormValue("password")
	v := loginView{Username: username, Next: safeNext(c.FormValue("next"))}
	if username == "" || password == "" {
		v.Error = "Enter a username and a password."
		return m.show(c, http.StatusBadRequest, "login", v)
	}
	ctx, now := c.Request().Context(), m.d.Clock.Now()
	li, err := m.d.Identity.Login(ctx, identitycmd.Login{Meta: httpapi.EventMeta(c, now), Identifier: username, Password: password})
	switch k := fault.KindOf(err); {
	case err == nil:
	case k == fault.Unauthenticated || k == fault.NotFound || k == fault.Invalid:
		v.Error = "Wrong username or password."
		return m.show(c, http.StatusUnauthorized, "login", v)
	case k == fault.RateLimited:
		v.Error = "Too many attempts: wait a while and try again."
		return m.show(c, http.StatusTooManyRequests, "login", v)
	default:
		return err
	}
	if !li.User.IsAdmin {
		return errAdminOnly
	}
	id, expires, err := m.d.Sessions.Login(ctx, li.User.ID, now)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: CookieName, Value: id, Path: Prefix + "/", Expires: expires, HttpOnly: true,
		Secure: c.Scheme() == "https", SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, v.Next)
}

func (m *Module) logout(c echo.Context) error {
	if ck, err := c.Cookie(CookieName); err == nil && ck.Value != "" {
		if err := m.d.Sessions.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: CookieName, Value: "", Path: Prefix + "/", MaxAge: -1, HttpOnly: true,
		Secure: c.Scheme() == "https", SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, Prefix+"/login/")
}

// operator is the logged-in administrator's name.
func operator(c echo.Context) string {
	s, _ := c.Get(operatorKey).(string)
	return s
}
