package accounts

import (
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
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// The names of the password confirmation, with their words for a mismatch:
// the seed's, and the web client's (password2, in its original backend's
// words).
var confirmMismatch = map[string]string{
	"password_confirm": "Passwords do not match.",
	"password2":        "两次输入的密码不一致",
}

// confirmField is the name the request gives its password confirmation:
// password2 when only that is present (the web client), else the seed's
// password_confirm (also when both are missing: it is the one reported).
func confirmField(f drf.Form, seed, client string) string {
	if !f.Has(seed) && f.Has(client) {
		return client
	}
	return seed
}

// register: POST /api/v1/auth/register/ {username, email, password,
// password_confirm | password2, verification_token?} → 201 {user, access,
// refresh}. A verification_token (the web client registers only after
// verify_code) must be the address's register token; the address is then
// verified.
func (m *Module) register(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	username, usernameOK := f.Str("username", errs, true)
	email, emailOK := f.Str("email", errs, true)
	password, pwOK := f.Str("password", errs, true)
	confirmName := confirmField(f, "password_confirm", "password2")
	confirm, confirmOK := f.Str(confirmName, errs, true)
	if pwOK && confirmOK && password != confirm {
		errs.Add(confirmName, confirmMismatch[confirmName])
	}
	token := ""
	if f.Has("verification_token") {
		token, _ = f.Str("verification_token", errs, false)
	}
	cmd := identitycmd.Register{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Username: username, Email: email, Password: password,
		RequireEmail: true, VerificationToken: token}
	if len(errs) > 0 {
		// Report the present fields' problems too, as DRF validates them all.
		for _, f := range drf.LeafFaults(identitycmd.ValidateRegistration(cmd)) {
			if _, seen := errs[f.Field]; !seen && f.Field != "" && given(f.Field, usernameOK, emailOK, pwOK) {
				errs.Add(f.Field, f.Message)
			}
		}
		return errs
	}
	ctx := c.Request().Context()
	reg, err := m.d.Identity.Register(ctx, cmd)
	if err != nil {
		return err
	}
	pair, err := m.d.Identity.IssueTokens(ctx, identitycmd.IssueTokens{UserID: reg.User.ID})
	if err != nil {
		return err
	}
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
	li, pair, err := m.flows.PasswordLogin(c)
	if err != nil {
		return err
	}
	m.setRefreshCookie(c, pair)
	return c.JSON(http.StatusOK, tokensAnswer{Access: pair.Access, Refresh: pair.Refresh, User: m.userBriefOf(c, li.User)})
}

// userBriefOf is the "user" of a login answer. An address changed since
// registration is sealed in the log; the read model has it, once it has
// the login.
func (m *Module) userBriefOf(c echo.Context, u identitycmd.UserInfo) userBrief {
	user := userBrief{ID: u.ID, Username: u.Username, Email: u.Email}
	httpapi.Settle(c)
	if read, err := m.d.Users.Me(c.Request().Context(), identityq.Me{UserID: identity.FormatUserID(u.ID)}); err == nil {
		user.Username, user.Email = read.Username, read.Email
	}
	return user
}

// refresh: POST /api/v1/token/refresh/ {refresh} → {access}.
func (m *Module) refresh(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	refresh, errs := refreshOf(c, f)
	if len(errs) > 0 {
		return errs
	}
	return m.flows.Refresh(c, refresh)
}

// logout: POST /api/v1/auth/logout/ {refresh} (authenticated) revokes the
// refresh token → {"success": true, "message": …}.
func (m *Module) logout(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	refresh, errs := refreshOf(c, f)
	if len(errs) > 0 {
		return errs
	}
	_, err = m.d.Identity.RevokeRefreshToken(c.Request().Context(), identitycmd.RevokeRefreshToken{
		Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: httpapi.Actor(c), Refresh: refresh})
	if errors.Is(err, identity.ErrTokenInvalid) {
		return drf.FieldErrors{"refresh": {"Token is invalid or expired"}}
	}
	if err != nil {
		return err
	}
	clearRefreshCookie(c)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "已退出登录"})
}

// me: GET /api/v1/auth/me/ → the caller's account: the seed's fields and
// the web client's (profile.avatar_url, profile.visited_countries, stats,
// is_staff and is_superuser, both the admin role).
func (m *Module) me(c echo.Context) error {
	actor := httpapi.Actor(c)
	u, err := m.d.Users.Me(c.Request().Context(), identityq.Me{UserID: identity.FormatUserID(actor.UserID)})
	if errors.Is(err, identityq.ErrNotFound) {
		return identityauth.TokenNotValid{Detail: "User not found"}
	}
	if err != nil {
		return err
	}
	counts, err := m.travelCounts(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	stats := statsOf(counts[u.ID])
	avatar := m.avatarURL(c, u.AvatarKey)
	return c.JSON(http.StatusOK, meAnswer{
		ID: u.ID, Username: u.Username, Email: u.Email,
		Profile: meProfile{Avatar: avatar, AvatarURL: avatar, Bio: u.Bio, Birthday: birthdayOf(u.Birthday), Tags: u.Tags,
			VisitedCountries: u.VisitedCountries, Level: defaultLevel, EmailVerified: u.EmailVerified},
		SocialAccounts: m.socialAccounts(c, u.ID),
		TripsCount:     stats.TripsCount, PublicTripsCount: stats.PublicTripsCount, CommentsCount: stats.CommentsCount, Stats: stats,
		IsAdmin: u.IsAdmin, IsStaff: u.IsAdmin, IsSuperuser: u.IsAdmin,
		DateJoined: u.DateJoined.UTC(),
	})
}

// RefreshCookie is the HttpOnly cookie Roamio's web client keeps the refresh
// token in; refresh and logout read it when the body has no "refresh".
const RefreshCookie = "refresh_token"

func (m *Module) setRefreshCookie(c echo.Context, pair identitycmd.TokenPair) {
	c.SetCookie(&http.Cookie{
		Name: RefreshCookie, Value: pair.Refresh, Path: roamio.Prefix + "/",
		Expires: pair.RefreshExpires, MaxAge: int(pair.RefreshExpires.Sub(m.d.Clock.Now()).Seconds()),
		HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode,
	})
}

func clearRefreshCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: RefreshCookie, Value: "", Path: roamio.Prefix + "/", MaxAge: -1, HttpOnly: true,
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

func birthdayOf(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// socialAccounts lists the caller's bound accounts (empty when unknown).
func (m *Module) socialAccounts(c echo.Context, id int64) []socialAccount {
	out := []socialAccount{}
	if m.d.Directory == nil {
		return out
	}
	socials, err := m.d.Directory.SocialAccounts(c.Request().Context(), identityq.SocialAccounts{UserID: id})
	if err != nil {
		return out
	}
	for _, s := range socials {
		out = append(out, socialAccount{Provider: s.Provider, Nickname: s.Nickname, AvatarURL: s.AvatarURL})
	}
	return out
}

// seconds rounds a duration up to whole seconds.
func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
