package clockinhttp

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/clockin"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// qrSize is the side of the QR PNG in pixels.
const qrSize = 320

// qr: GET /activities/clockins/{activity}/qr/?item={id}[&format=png] → the
// item's QR code for the current window: JSON with the payload, its expiry
// and the image as a data URI, or the PNG alone (X-QR-Window and
// X-QR-Expires-At headers). Staff of the activity and admins, or a display
// link's expires and sig parameters.
func (h *Handlers) qr(c echo.Context) error {
	act, it, err := h.activityItem(c, h.authorizeQR)
	if err != nil {
		return err
	}
	now := h.d.Clock.Now()
	q := h.d.Codes.Issue(it.ID, now)
	png, err := qrcode.Encode(q.Payload, qrcode.Medium, qrSize)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	if c.QueryParam("format") == "png" {
		c.Response().Header().Set("X-QR-Window", strconv.FormatInt(q.Window, 10))
		c.Response().Header().Set("X-QR-Expires-At", h.ts(q.ExpiresAt))
		return c.Blob(http.StatusOK, "image/png", png)
	}
	return c.JSON(http.StatusOK, qrJSON{
		Activity: act, Item: it.ID, Label: it.Label, Open: !now.Before(it.OpenFrom) && now.Before(it.OpenTo),
		Code: q.Payload, Window: q.Window, ShownFrom: h.ts(q.ShownFrom), ExpiresAt: h.ts(q.ExpiresAt),
		ExpiresIn: q.ExpiresAt.Sub(now).Milliseconds(), PeriodSeconds: int(clockin.Period / time.Second),
		GraceSeconds: int(clockin.Grace / time.Second),
		Image:        "data:image/png;base64," + base64.StdEncoding.EncodeToString(png),
	})
}

// activityItem reads the :activity of a QR route, lets authorize admit the
// caller, checks that the activity exists and finds its ?item=.
func (h *Handlers) activityItem(c echo.Context, authorize func(echo.Context, int64) error) (int64, clockinq.Item, error) {
	act, err := hhu.PathID(c, "activity")
	if err != nil {
		return 0, clockinq.Item{}, err
	}
	if err := authorize(c, act); err != nil {
		return 0, clockinq.Item{}, err
	}
	if _, err := h.activity(c); err != nil {
		return 0, clockinq.Item{}, err
	}
	it, err := h.queryItem(c, act)
	return act, it, err
}

// queryItem reads the required ?item= of the QR routes and finds it among
// the activity's items; a bad one is a 400 naming item.
func (h *Handlers) queryItem(c echo.Context, act int64) (clockinq.Item, error) {
	s := strings.TrimSpace(c.QueryParam("item"))
	id, err := strconv.ParseInt(s, 10, 64)
	switch {
	case s == "":
		return clockinq.Item{}, drf.FieldErrors{"item": {"This field is required."}}
	case err != nil:
		return clockinq.Item{}, drf.FieldErrors{"item": {"A valid integer is required."}}
	}
	it, err := h.d.Queries.GetItem(c.Request().Context(), act, id)
	if errors.Is(err, clockinq.ErrNotFound) {
		return it, drf.FieldErrors{"item": {hhu.InvalidPK(id)}}
	}
	return it, err
}

// requireStaff admits the activity's clock-in staff and admins: hhu.User's
// 401 without a caller, 403 for other users.
func (h *Handlers) requireStaff(c echo.Context, act int64) error {
	return hhu.User(func(c echo.Context) error {
		actor := httpapi.Actor(c)
		if actor.Admin {
			return nil
		}
		uid, err := hhu.CallerID(c)
		if err != nil {
			return err
		}
		staff, err := h.d.Queries.IsStaff(c.Request().Context(), act, uid)
		if err != nil {
			return err
		}
		if !staff {
			return access.ErrForbidden
		}
		return nil
	})(c)
}
