package ralendar

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// OAuthClient is an application registered with Ralendar's OAuth 2.0
// provider (a Roamio of another deployment): its id, secret and the
// redirect URIs it may use.
type OAuthClient struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// CodeLedger makes authorization codes single use across processes
// (transport/nonces).
type CodeLedger interface {
	Use(ctx context.Context, scope, value string) (fresh bool, err error)
}

// Scopes Ralendar grants (the original's names); the default is all.
var Scopes = []string{"calendar:read", "calendar:write", "user:read"}

// codeTTL is how long an authorization code is good for.
const codeTTL = 10 * time.Minute

// oauthError answers RFC 6749's {error, error_description}.
func oauthError(c echo.Context, status int, code, desc string) error {
	return c.JSON(status, map[string]string{"error": code, "error_description": desc})
}

// authorizeRequest is a checked authorization request.
type authorizeRequest struct {
	client   OAuthClient
	redirect string
	scope    string
	state    string
}

// readAuthorize checks client_id, redirect_uri (one the client
// registered; absent: its only one), response_type=code, scope and state.
func (m *Module) readAuthorize(get func(string) string) (authorizeRequest, string) {
	var r authorizeRequest
	i := slices.IndexFunc(m.d.OAuthClients, func(cl OAuthClient) bool { return cl.ID == get("client_id") })
	if get("client_id") == "" || i < 0 {
		return r, "unknown client_id"
	}
	r.client = m.d.OAuthClients[i]
	r.redirect = get("redirect_uri")
	if r.redirect == "" && len(r.client.RedirectURIs) == 1 {
		r.redirect = r.client.RedirectURIs[0]
	}
	if !slices.Contains(r.client.RedirectURIs, r.redirect) {
		return r, "redirect_uri is not registered for this client"
	}
	if get("response_type") != "code" {
		return r, "response_type must be code"
	}
	r.scope = strings.Join(strings.Fields(get("scope")), " ")
	if r.scope == "" {
		r.scope = strings.Join(Scopes, " ")
	}
	for _, s := range strings.Fields(r.scope) {
		if !slices.Contains(Scopes, s) {
			return r, "unknown scope " + s
		}
	}
	r.state = get("state")
	if len(r.state) > 500 {
		return r, "state is longer than 500 characters"
	}
	return r, ""
}

// authorizeInfo: GET /api/oauth/authorize/?client_id&redirect_uri&
// response_type=code&scope&state (a logged-in user) → {client_id,
// redirect_uri, scope, scopes, state}: what the consent page of
// Ralendar's web client shows before the user allows it.
func (m *Module) authorizeInfo(c echo.Context) error {
	r, bad := m.readAuthorize(c.QueryParam)
	if bad != "" {
		return oauthError(c, http.StatusBadRequest, "invalid_request", bad)
	}
	return c.JSON(http.StatusOK, map[string]any{"client_id": r.client.ID, "redirect_uri": r.redirect, "scope": r.scope,
		"scopes": strings.Fields(r.scope), "state": r.state})
}

// authorize: POST /api/oauth/authorize/ {client_id, redirect_uri,
// response_type, scope, state, allow?} (a logged-in user, the consent
// page's answer) → {code, state, redirect_uri, redirect_to}: redirect_to
// is where the page sends the browser (the client's redirect URI with
// code and state; with error=access_denied when allow is false).
func (m *Module) authorize(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	get := func(name string) string {
		v, _ := f.Opt(name)
		return v
	}
	r, bad := m.readAuthorize(get)
	if bad != "" {
		return oauthError(c, http.StatusBadRequest, "invalid_request", bad)
	}
	q := url.Values{}
	if r.state != "" {
		q.Set("state", r.state)
	}
	if f.Has("allow") && !f.Bool("allow") {
		q.Set("error", "access_denied")
		return c.JSON(http.StatusOK, map[string]any{"error": "access_denied", "state": r.state, "redirect_uri": r.redirect,
			"redirect_to": withQuery(r.redirect, q)})
	}
	code, err := m.issueCode(httpapi.Actor(c).UserID, r, m.d.Clock.Now())
	if err != nil {
		return err
	}
	q.Set("code", code)
	return c.JSON(http.StatusOK, map[string]any{"code": code, "state": r.state, "redirect_uri": r.redirect,
		"redirect_to": withQuery(r.redirect, q)})
}

func withQuery(uri string, q url.Values) string {
	if strings.Contains(uri, "?") {
		return uri + "&" + q.Encode()
	}
	return uri + "?" + q.Encode()
}

// codeClaims are what an authorization code carries (signed, not stored).
type codeClaims struct {
	Client   string `json:"c"`
	User     int64  `json:"u"`
	Redirect string `json:"r"`
	Scope    string `json:"s"`
	Expires  int64  `json:"e"`
	Nonce    string `json:"n"`
}

func (m *Module) codeMAC(body string) string {
	h := hmac.New(sha256.New, m.d.OAuthSecret)
	h.Write([]byte("ralendar-oauth-code:" + body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// issueCode signs a code for the user (single use: its nonce is spent at
// the token endpoint).
func (m *Module) issueCode(user int64, r authorizeRequest, now time.Time) (string, error) {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	b, err := json.Marshal(codeClaims{Client: r.client.ID, User: user, Redirect: r.redirect, Scope: r.scope,
		Expires: now.Add(codeTTL).Unix(), Nonce: hex.EncodeToString(nonce)})
	if err != nil {
		return "", err
	}
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + m.codeMAC(body), nil
}

// readCode verifies a code's signature and expiry.
func (m *Module) readCode(code string, now time.Time) (codeClaims, bool) {
	var cl codeClaims
	body, mac, ok := strings.Cut(code, ".")
	if !ok || len(code) > 2048 || !hmac.Equal([]byte(mac), []byte(m.codeMAC(body))) {
		return cl, false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(b, &cl) != nil || now.Unix() > cl.Expires {
		return cl, false
	}
	return cl, true
}

// clientOf authenticates the client (client_id and client_secret in the
// body, or HTTP Basic).
func (m *Module) clientOf(c echo.Context, f drf.Form) (OAuthClient, bool) {
	id, _ := f.Opt("client_id")
	secret, _ := f.Opt("client_secret")
	if u, p, ok := c.Request().BasicAuth(); ok {
		id, secret = u, p
	}
	for _, cl := range m.d.OAuthClients {
		if cl.ID == id && id != "" && subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(secret)) == 1 {
			return cl, true
		}
	}
	return OAuthClient{}, false
}

// token: POST /api/oauth/token/ (JSON or form; the client authenticated
// by client_id and client_secret or HTTP Basic):
//
//	grant_type=authorization_code, code, redirect_uri → {access_token,
//	  token_type, expires_in, refresh_token, scope, user {id, username,
//	  email, avatar}}
//	grant_type=refresh_token, refresh_token → {access_token, token_type,
//	  expires_in, refresh_token, scope}
//
// The tokens are the user's JWTs (access 5 minutes, refresh 15 days), so
// the calendar API (/api/events/…) accepts them as it accepts a login's.
// Errors are RFC 6749's: invalid_client (401), invalid_grant,
// invalid_request, unsupported_grant_type (400).
func (m *Module) token(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return oauthError(c, http.StatusBadRequest, "invalid_request", "the body is not JSON or a form")
	}
	cl, ok := m.clientOf(c, f)
	if !ok {
		return oauthError(c, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
	}
	now := m.d.Clock.Now()
	grant, _ := f.Opt("grant_type")
	switch grant {
	case "authorization_code":
		code, _ := f.Opt("code")
		claims, ok := m.readCode(code, now)
		redirect, _ := f.Opt("redirect_uri")
		if !ok || claims.Client != cl.ID || redirect != "" && redirect != claims.Redirect {
			return oauthError(c, http.StatusBadRequest, "invalid_grant", "the code is invalid, expired or not this client's")
		}
		fresh, err := m.d.OAuthCodes.Use(c.Request().Context(), "ralendar-oauth-code", claims.Nonce)
		if err != nil {
			return err
		}
		if !fresh {
			return oauthError(c, http.StatusBadRequest, "invalid_grant", "the code was used already")
		}
		pair, err := m.d.Identity.IssueTokens(c.Request().Context(), identitycmd.IssueTokens{UserID: claims.User})
		if err != nil {
			return err
		}
		u, err := m.answerOf(c.Request().Context(), claims.User)
		if err != nil {
			return oauthError(c, http.StatusBadRequest, "invalid_grant", "the user is gone")
		}
		return c.JSON(http.StatusOK, map[string]any{"access_token": pair.Access, "token_type": "Bearer",
			"expires_in": expiresIn(pair.AccessExpires, now), "refresh_token": pair.Refresh, "scope": claims.Scope,
			"user": map[string]any{"id": u.ID, "username": u.Username, "email": u.Email, "avatar": u.Photo}})
	case "refresh_token":
		refresh, _ := f.Opt("refresh_token")
		if refresh == "" || len(refresh) > 4096 {
			return oauthError(c, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		}
		res, err := m.d.Identity.RefreshToken(c.Request().Context(), identitycmd.RefreshToken{Refresh: refresh})
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return oauthError(c, http.StatusBadRequest, "invalid_grant", "the refresh token is invalid or expired")
		}
		return c.JSON(http.StatusOK, map[string]any{"access_token": res.Access, "token_type": "Bearer",
			"expires_in": expiresIn(res.AccessExpires, now), "refresh_token": refresh, "scope": strings.Join(Scopes, " ")})
	case "":
		return oauthError(c, http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		return oauthError(c, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

func expiresIn(exp, now time.Time) int64 {
	return max(int64(exp.Sub(now)/time.Second), 0)
}

// userinfo: GET /api/oauth/userinfo/ (the access token) → {id, username,
// email, avatar}.
func (m *Module) userinfo(c echo.Context) error {
	u, err := m.answerOf(c.Request().Context(), httpapi.Actor(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "email": u.Email, "avatar": u.Photo})
}
