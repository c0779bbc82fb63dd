package clockinhttp

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	"github.com/fiveapis/backend/domain/clockin"
	activitiesq "github.com/fiveapis/backend/queries/activities"
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
// at the activity's items, by time; to the mini-program (hhu.MiniProgram)
// every item with whether the caller clocked in there.
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
	if hhu.MiniProgram(c) {
		return h.itemSteps(c, act, recs)
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(recs, func(r clockinq.Record) recordJSON {
		return recordJSON{Activity: r.ActivityID, Item: r.ItemID, Label: r.Label, User: r.UserID, ClockedAt: h.ts(r.ClockedAt), Window: r.Window}
	}))
}

// itemSteps answers the mini-program: the activity's items by opening time,
// each {label, is_clockin} (the original's ClockinSerializer), the steps it
// draws.
func (h *Handlers) itemSteps(c echo.Context, act int64, recs []clockinq.Record) error {
	items, err := h.d.Queries.ListItems(c.Request().Context(), act)
	if err != nil {
		return err
	}
	done := map[int64]bool{}
	for _, r := range recs {
		done[r.ItemID] = true
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(items, func(it clockinq.Item) itemStepJSON {
		return itemStepJSON{ID: it.ID, Label: it.Label, IsClockin: done[it.ID], OpenFrom: h.ts(it.OpenFrom), OpenTo: h.ts(it.OpenTo)}
	}))
}

// clockInByKey: POST /activities/clockins/ {key} (the mini-program: the text
// of the scanned QR code, whose item names the activity) → 201 with the
// record, its label and activity_name; every refusal is a 400 with its
// message in detail (where the client reads it), as the original's.
func (h *Handlers) clockInByKey(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	key, _ := f.Str("key", errs, false)
	if err := errs.Err(); err != nil {
		return hhu.Summarized(err, hhu.SummaryDetail)
	}
	ctx := c.Request().Context()
	itemID, ok := clockin.ItemOf(key)
	if !ok {
		return hhu.Summarized(clockin.ErrCodeInvalid, hhu.SummaryDetail)
	}
	it, err := h.d.Queries.FindItem(ctx, itemID)
	if errors.Is(err, clockinq.ErrNotFound) {
		return hhu.Summarized(clockin.ErrCodeInvalid, hhu.SummaryDetail)
	}
	if err != nil {
		return err
	}
	res, err := h.d.Commands.ClockIn(ctx, clockincmd.ClockIn{Actor: httpapi.Actor(c), ActivityID: it.ActivityID, ItemID: it.ID, Code: key,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return hhu.Summarized(err, hhu.SummaryDetail)
	}
	a, err := h.d.Activities.GetActivity(ctx, it.ActivityID)
	if err != nil && !errors.Is(err, activitiesq.ErrNotFound) {
		return err
	}
	r := res.Record
	return c.JSON(http.StatusCreated, scannedJSON{recordJSON: recordJSON{Activity: r.ActivityID, Item: r.ItemID, Label: r.Label, User: r.UserID,
		ClockedAt: h.ts(r.ClockedAt), Window: r.Window}, ActivityName: a.Title})
}
