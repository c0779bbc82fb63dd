package clockinhttp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// clockIn: POST /activities/clockins/{activity} {item, code} → 201 with the
// record, or 400 naming the field: {"code": ["二维码已过期，请重新扫码"]},
// {"item": ["打卡已结束"]}, {"non_field_errors": ["您已在该打卡项打过卡"]}, ….
func (h *Handlers) clockIn(c echo.Context) error {
	act, err := hhu.PathID(c, "activity")
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	item, _ := hhu.FormInt(f, "item", errs, true)
	if _, bad := errs["item"]; !bad && item <= 0 {
		errs.Add("item", hhu.InvalidPK(item))
	}
	code, _ := f.Str("code", errs, false)
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.ClockIn(c.Request().Context(), clockincmd.ClockIn{Actor: httpapi.Actor(c), ActivityID: act, ItemID: item, Code: code,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	r := res.Record
	return c.JSON(http.StatusCreated, recordJSON{Activity: r.ActivityID, Item: r.ItemID, Label: r.Label, User: r.UserID,
		ClockedAt: h.ts(r.ClockedAt), Window: r.Window})
}

// myClockIns: GET /activities/clockins/{activity} → the caller's clock-ins
// at the activity's items, by time.
func (h *Handlers) myClockIns(c echo.Context) error {
	uid, err := hhu.CallerID(c)
	if err != nil {
		return err
	}
	act, err := h.activity(c)
	if err != nil {
		return err
	}
	recs, err := h.d.Queries.MyRecords(c.Request().Context(), act, uid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(recs, func(r clockinq.Record) recordJSON {
		return recordJSON{Activity: r.ActivityID, Item: r.ItemID, Label: r.Label, User: r.UserID, ClockedAt: h.ts(r.ClockedAt), Window: r.Window}
	}))
}
