package ralendar

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// syncAPIKey reads the caller's API key: X-API-Key, or Authorization:
// Api-Key <key>.
func syncAPIKey(c echo.Context) string {
	if k := c.Request().Header.Get("X-API-Key"); k != "" {
		return k
	}
	if a := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(a, "Api-Key ") {
		return strings.TrimPrefix(a, "Api-Key ")
	}
	return ""
}

// syncUserInfo: POST /api/sync/user-info/ {user_id, source, data:
// {username?, email?, avatar?}} with the system API key
// (RALENDAR_SYNC_API_KEY) → {success, synced_fields}: the user's name and
// address as the other app has them. avatar is not synced (Ralendar's
// photo is a bound account's avatar) and listed in skipped_fields.
func (m *Module) syncUserInfo(c echo.Context) error {
	key := syncAPIKey(c)
	if key == "" || subtle.ConstantTimeCompare([]byte(key), []byte(m.d.SyncAPIKey)) != 1 {
		return Refusal{Status: http.StatusForbidden, Message: "无效的 API Key"}
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	var uid int64
	if s, ok := f.Str("user_id", errs, false); ok {
		if uid, err = strconv.ParseInt(strings.TrimSpace(s), 10, 64); err != nil || uid <= 0 {
			errs.Add("user_id", "A valid integer is required.")
		}
	}
	if s, ok := f.Str("source", errs, false); ok && s != "roamio" && s != "ralendar" {
		errs.Add("source", "\""+s+"\" is not a valid choice.")
	}
	raw, _ := f.Value("data")
	obj, isObj := raw.(map[string]any)
	if !isObj {
		errs.Add("data", "Expected a dictionary of items.")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	b, _ := json.Marshal(obj)
	data, err := drf.FormOf(b)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: uid}); errors.Is(err, identityq.ErrNotFound) {
		return Refusal{Status: http.StatusNotFound, Message: "用户不存在", Field: "user_id"}
	} else if err != nil {
		return err
	}
	cmd := identitycmd.UpdateAccount{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: access.Actor{UserID: uid}}
	synced, skipped := []string{}, []string{}
	if data.Has("username") {
		if v, ok := data.Str("username", errs, false); ok {
			cmd.Username = &v
			synced = append(synced, "username")
		}
	}
	if data.Has("email") {
		if v, ok := data.Str("email", errs, true); ok {
			cmd.Email = &v
			synced = append(synced, "email")
		}
	}
	if data.Has("avatar") {
		skipped = append(skipped, "avatar")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if len(synced) > 0 {
		if _, err := m.d.Identity.UpdateAccount(ctx, cmd); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "synced_fields": synced, "skipped_fields": skipped})
}
