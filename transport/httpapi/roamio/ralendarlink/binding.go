package ralendarlinkhttp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	ralendarlinkcmd "github.com/fiveapis/backend/commands/ralendarlink"
	"github.com/fiveapis/backend/domain/ralendarlink"
	ralendarlinkq "github.com/fiveapis/backend/queries/ralendarlink"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// RemoteTokens is a token answer of the other Ralendar.
type RemoteTokens struct {
	Access        string
	Refresh       string
	AccessExpires time.Time
	Profile       ralendarlink.Profile
}

// stateTTL is how long an authorize URL's state is good for.
const stateTTL = 10 * time.Minute

// errNotConfigured answers the binding routes when no other Ralendar is
// configured.
var errNotConfigured = roamio.RalendarRefusal{Status: http.StatusNotFound, Code: "NOT_CONFIGURED", Message: "Ralendar 绑定未配置"}

// state is "<user>.<expiry unix>.<nonce>.<mac>": it binds the callback to
// the user who asked for the URL, for stateTTL, without server state.
func (h *Handlers) state(uid int64, now time.Time) string {
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	body := strconv.FormatInt(uid, 10) + "." + strconv.FormatInt(now.Add(stateTTL).Unix(), 10) + "." + hex.EncodeToString(nonce)
	return body + "." + h.mac(body)
}

func (h *Handlers) mac(body string) string {
	m := hmac.New(sha256.New, h.d.Secret)
	m.Write([]byte("roamio-ralendar-oauth-state:" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// checkState accepts a state this server issued to uid that has not
// expired.
func (h *Handlers) checkState(state string, uid int64, now time.Time) bool {
	parts := strings.Split(state, ".")
	if len(state) > 200 || len(parts) != 4 {
		return false
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(h.mac(body)), []byte(parts[3])) {
		return false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	return err == nil && parts[0] == strconv.FormatInt(uid, 10) && now.Unix() <= exp
}

// authorizeURL: GET /ralendar-oauth/authorize-url/ → {authorize_url,
// state}: the other Ralendar's authorize page with a signed state.
func (h *Handlers) authorizeURL(c echo.Context) error {
	if h.d.Remote == nil {
		return errNotConfigured
	}
	uid, err := httpapi.Actor(c).User()
	if err != nil {
		return err
	}
	st := h.state(uid, h.d.Clock.Now())
	return c.JSON(http.StatusOK, map[string]any{"authorize_url": h.d.Remote.AuthorizeURL(st), "state": st})
}

// callback: POST /ralendar-oauth/callback/ {code, state} → {success,
// message, account}: the code exchanged at the other Ralendar's token
// endpoint, the account bound with its tokens (sealed in the log).
func (h *Handlers) callback(c echo.Context) error {
	if h.d.Remote == nil {
		return errNotConfigured
	}
	a := httpapi.Actor(c)
	uid, err := a.User()
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	code, _ := f.Str("code", errs, false)
	state, _ := f.Str("state", errs, false)
	if len(code) > 512 {
		errs.Add("code", "Ensure this field has no more than 512 characters.")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if !h.checkState(state, uid, h.d.Clock.Now()) {
		return ralendarlink.ErrInvalidState
	}
	tok, err := h.d.Remote.Exchange(c.Request().Context(), code)
	if err != nil {
		return err
	}
	if tok.Profile.RemoteUserID == 0 {
		return ralendarlink.ErrTokenExchangeFailed.Wrap(errors.New("the token answer names no user"))
	}
	bound, err := h.d.Commands.Bind(c.Request().Context(), ralendarlinkcmd.Bind{Actor: a, Remote: h.d.Remote.Remote(), Profile: tok.Profile,
		Tokens: ralendarlinkcmd.Tokens{Access: tok.Access, Refresh: tok.Refresh, AccessExpires: tok.AccessExpires},
		Meta:   httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	accs, err := h.d.Queries.Accounts(c.Request().Context(), uid)
	if err != nil {
		return err
	}
	for _, acc := range accs {
		if acc.ID == bound.Event.AccountID {
			aj, err := h.accountJSON(c.Request().Context(), uid, acc)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "Ralendar 账号绑定成功", "account": aj})
		}
	}
	return errors.New("the bound account is not in the read model")
}

type accountJSON struct {
	ID               int64      `json:"id"`
	IsDefault        bool       `json:"is_default"`
	RalendarUsername string     `json:"ralendar_username"`
	RalendarEmail    string     `json:"ralendar_email"`
	RalendarAvatar   string     `json:"ralendar_avatar"`
	IsTokenExpired   bool       `json:"is_token_expired"`
	CreatedAt        time.Time  `json:"created_at"`
	LastSyncedAt     *time.Time `json:"last_synced_at"`
}

// accountJSON: is_token_expired is true once the other side refused the
// refresh token (the user must authorize again); an access token past its
// expiry is not: it is refreshed at the next call. The read model holds
// the profile's username, e-mail and avatar sealed in the vault under the
// user's subject; they are opened here ("" once the user is erased).
func (h *Handlers) accountJSON(ctx context.Context, uid int64, a ralendarlinkq.Account) (accountJSON, error) {
	var f [3]string
	for i, sealed := range []string{a.Username, a.Email, a.Avatar} {
		v, err := h.d.Commands.OpenProfileField(ctx, uid, sealed)
		if err != nil {
			return accountJSON{}, err
		}
		f[i] = v
	}
	return accountJSON{ID: a.ID, IsDefault: a.IsDefault, RalendarUsername: f[0], RalendarEmail: f[1], RalendarAvatar: f[2],
		IsTokenExpired: a.TokenRejected, CreatedAt: a.CreatedAt.UTC(), LastSyncedAt: a.LastSyncedAt}, nil
}

// accounts: GET /ralendar-oauth/accounts/ → {accounts, count}.
func (h *Handlers) accounts(c echo.Context) error {
	uid, err := httpapi.Actor(c).User()
	if err != nil {
		return err
	}
	accs, err := h.d.Queries.Accounts(c.Request().Context(), uid)
	if err != nil {
		return err
	}
	out := make([]accountJSON, 0, len(accs))
	for _, a := range accs {
		aj, err := h.accountJSON(c.Request().Context(), uid, a)
		if err != nil {
			return err
		}
		out = append(out, aj)
	}
	return c.JSON(http.StatusOK, map[string]any{"accounts": out, "count": len(out)})
}

func (h *Handlers) accountCmd(c echo.Context) (ralendarlinkcmd.AccountCmd, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return ralendarlinkcmd.AccountCmd{}, ralendarlink.ErrAccountNotFound
	}
	return ralendarlinkcmd.AccountCmd{Actor: httpapi.Actor(c), AccountID: id, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}, nil
}

// setDefault: POST /ralendar-oauth/{id}/set-default/ → {success, message}.
func (h *Handlers) setDefault(c echo.Context) error {
	cmd, err := h.accountCmd(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.SetDefault(c.Request().Context(), cmd); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "已设为默认账号"})
}

// unbind: DELETE /ralendar-oauth/{id}/unbind/ → {success, message}. The
// events already synced stay in the other Ralendar (they are its user's).
func (h *Handlers) unbind(c echo.Context) error {
	cmd, err := h.accountCmd(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.Unbind(c.Request().Context(), cmd); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "已解绑"})
}
