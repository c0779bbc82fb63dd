package roamio

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// userBrief is the "user" of login answers.
type userBrief struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

type profileBrief struct {
	Avatar *string `json:"avatar"`
	Bio    string  `json:"bio"`
	Level  string  `json:"level"`
}

type registeredUser struct {
	userBrief
	Profile profileBrief `json:"profile"`
}

type tokensAnswer struct {
	Access  string `json:"access"`
	Refresh string `json:"refresh"`
	User    any    `json:"user"`
}

// defaultLevel is a new traveller's level until profiles arrive.
const defaultLevel = "novice"

// register: POST /api/v1/auth/register/ {username, email, password,
// password_confirm} → 201 {user, access, refresh}.
func (m *Module) register(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	username, usernameOK := f.Str("username", errs, true)
	email, emailOK := f.Str("email", errs, true)
	password, pwOK := f.Str("password", errs, true)
	confirm, confirmOK := f.Str("password_confirm", errs, true)
	if pwOK && confirmOK && password != confirm {
		errs.Add("password_confirm", "Passwords do not match.")
	}
	cmd := identitycmd.Register{Username: username, Email: email, Password: password, RequireEmail: true}
	if len(errs) > 0 {
		// Report the present fields' problems too, as DRF validates them all.
		for _, f := range drf.LeafFaults(identitycmd.ValidateRegistration(cmd)) {
			if _, seen := errs[f.Field]; !seen && f.Field != "" && given(f.Field, usernameOK, emailOK, pwOK) {
				errs.Add(f.Field, f.Message)
			}
		}
		return c.JSON(http.StatusBadRequest, errs)
	}
	ctx := c.Request().Context()
	reg, err := m.d.Identity.Register(ctx, cmd, httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return renderError(c, err)
	}
	pair, err := m.d.Identity.IssueTokens(ctx, identitycmd.IssueTokens{UserID: reg.User.ID})
	if err != nil {
		return err
	}
	m.d.Consistency.AfterCommand(c, reg.Position, query.ProjectionName)
	m.setRefreshCookie(c, pair)
	return c.JSON(http.StatusCreated, tokensAnswer{
		Access: pair.Access, Refresh: pair.Refresh,
		User: registeredUser{
			userBrief: userBrief{ID: reg.User.ID, Username: reg.User.Username, Email: reg.User.Email},
			Profile:   profileBrief{Bio: "", Level: defaultLevel},
		},
	})
}

// given reports whether the field a validation fault names was read (a
// missing or mistyped field is already reported).
func given(field string, username, email, password bool) bool {
	switch field {
	case "username":
		return username
	case "email":
		return email
	case "password":
		return password
	}
	return true
}

// login: POST /api/v1/auth/login/ and POST /api/v1/token/ {username (or an
// e-mail address), password} → {access, refresh, user}.
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
	d, err := m.d.Guard.Attempt(ctx, username, c.RealIP())
	if err != nil {
		return err
	}
	if !d.Allowed {
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
	m.setRefreshCookie(c, pair)
	user := userBrief{ID: li.User.ID, Username: li.User.Username, Email: li.User.Email}
	// An address changed since registration is sealed in the log; the read
	// model has it.
	if u, err := m.d.Users.Me(ctx, query.Me{UserID: domain.FormatUserID(li.User.ID)}); err == nil {
		user.Username, user.Email = u.Username, u.Email
	}
	return c.JSON(http.StatusOK, tokensAnswer{Access: pair.Access, Refresh: pair.Refresh, User: user})
}

// refresh: POST /api/v1/token/refresh/ {refresh} → {access}.
func (m *Module) refresh(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	refresh, errs := refreshOf(c, f)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	return identityauth.AnswerRefresh(c, m.d.Identity, refresh, renderError)
}

// logout: POST /api/v1/auth/logout/ {refresh} (authenticated) revokes the
// refresh token → {"success": true, "message": …}.
func (m *Module) logout(c echo.Context) error {
	p, ok, err := m.principal(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	refresh, errs := refreshOf(c, f)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	uid, _ := domain.ParseUserID(p.UserID)
	pos, err := m.d.Identity.RevokeRefreshToken(c.Request().Context(), identitycmd.RevokeRefreshToken{Refresh: refresh, UserID: uid},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	if errors.Is(err, domain.ErrTokenInvalid) {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"refresh": {"Token is invalid or expired"}})
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	clearRefreshCookie(c)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "已退出登录"})
}

// principal returns the caller; without one (ok false) it has answered 401
// the DRF way and err is the write's error.
func (m *Module) principal(c echo.Context) (p authn.Principal, ok bool, err error) {
	if p, ok := authn.From(c); ok {
		return p, true, nil
	}
	if err := authn.Err(c); err != nil {
		if !errors.Is(err, authn.ErrInvalidCredentials) {
			return authn.Principal{}, false, err
		}
		return authn.Principal{}, false, identityauth.TokenNotValid(c, "Given token not valid for any token type")
	}
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="api"`)
	return authn.Principal{}, false, drf.Detail(c, http.StatusUnauthorized, "Authentication credentials were not provided.")
}

type meProfile struct {
	Avatar        *string `json:"avatar"`
	Bio           string  `json:"bio"`
	Birthday      *string `json:"birthday"`
	Tags          string  `json:"tags"`
	Level         string  `json:"level"`
	EmailVerified bool    `json:"email_verified"`
}

type meAnswer struct {
	ID             int64           `json:"id"`
	Username       string          `json:"username"`
	Email          string          `json:"email"`
	Profile        meProfile       `json:"profile"`
	SocialAccounts []socialAccount `json:"social_accounts"`
	TripsCount     int             `json:"trips_count"`
	CommentsCount  int             `json:"comments_count"`
	IsAdmin        bool            `json:"is_admin"`
	DateJoined     time.Time       `json:"date_joined"`
}

// me: GET /api/v1/auth/me/ → the caller's account.
func (m *Module) me(c echo.Context) error {
	p, ok, err := m.principal(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	u, err := m.d.Users.Me(c.Request().Context(), query.Me{UserID: p.UserID})
	if errors.Is(err, query.ErrNotFound) {
		return identityauth.TokenNotValid(c, "User not found")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, meAnswer{
		ID: u.ID, Username: u.Username, Email: u.Email,
		Profile: meProfile{Avatar: m.avatarURL(c, u.AvatarKey), Bio: u.Bio, Birthday: birthdayOf(u.Birthday), Tags: u.Tags,
			Level: defaultLevel, EmailVerified: u.EmailVerified},
		SocialAccounts: m.socialAccounts(c, u.ID),
		IsAdmin:        u.IsAdmin,
		DateJoined:     u.DateJoined.UTC(),
	})
}

// RefreshCookie is the HttpOnly cookie Roamio's web client keeps the refresh
// token in; refresh and logout read it when the body has no "refresh".
const RefreshCookie = "refresh_token"

func (m *Module) setRefreshCookie(c echo.Context, pair identitycmd.TokenPair) {
	c.SetCookie(&http.Cookie{
		Name: RefreshCookie, Value: pair.Refresh, Path: Prefix + "/",
		Expires: pair.RefreshExpires, MaxAge: int(pair.RefreshExpires.Sub(m.d.Clock.Now()).Seconds()),
		HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode,
	})
}

func clearRefreshCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: RefreshCookie, Value: "", Path: Prefix + "/", MaxAge: -1, HttpOnly: true,
		Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
}

// refreshOf reads "refresh" from the body or, when the body has none (or an
// empty one), from the refresh cookie.
func refreshOf(c echo.Context, f drf.Form) (string, drf.FieldErrors) {
	errs := drf.FieldErrors{}
	if f.Has("refresh") {
		probe := drf.FieldErrors{}
		if v, ok := f.Str("refresh", probe, false); ok {
			return v, nil
		}
		if ck, err := c.Cookie(RefreshCookie); err == nil && ck.Value != "" {
			return ck.Value, nil
		}
		return "", probe
	}
	if ck, err := c.Cookie(RefreshCookie); err == nil && ck.Value != "" {
		return ck.Value, nil
	}
	errs.Add("refresh", "This field is required.")
	return "", errs
}

// throttled is DRF's 429.
func throttled(c echo.Context, wait time.Duration) error {
	s := seconds(wait)
	c.Response().Header().Set("Retry-After", itoa(s))
	return drf.Detail(c, http.StatusTooManyRequests, "Request was throttled. Expected available in "+itoa(s)+" seconds.")
}

func birthdayOf(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type socialAccount struct {
	Provider  string `json:"provider"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// socialAccounts lists the caller's bound accounts (empty when unknown).
func (m *Module) socialAccounts(c echo.Context, id int64) []socialAccount {
	out := []socialAccount{}
	if m.d.Directory == nil {
		return out
	}
	socials, err := m.d.Directory.SocialAccounts(c.Request().Context(), query.SocialAccounts{UserID: id})
	if err != nil {
		return out
	}
	for _, s := range socials {
		out = append(out, socialAccount{Provider: s.Provider, Nickname: s.Nickname, AvatarURL: s.AvatarURL})
	}
	return out
}
