package hhu

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// ClockInCommands is what the clock-in routes need of the commands.
type ClockInCommands interface {
	AddItem(ctx context.Context, cmd clockincmd.AddItem) (clockincmd.ItemResult, error)
	ChangeItem(ctx context.Context, cmd clockincmd.ChangeItem) (clockincmd.ItemResult, error)
	RemoveItem(ctx context.Context, cmd clockincmd.RemoveItem) (eventlog.Position, error)
	AssignStaff(ctx context.Context, cmd clockincmd.AssignStaff) (eventlog.Position, bool, error)
	UnassignStaff(ctx context.Context, cmd clockincmd.UnassignStaff) (eventlog.Position, error)
	ClockIn(ctx context.Context, cmd clockincmd.ClockIn) (clockincmd.ClockInResult, error)
}

// ClockInQueries is what the clock-in routes need of the queries.
type ClockInQueries interface {
	ListItems(ctx context.Context, activityID int64) ([]clockinq.Item, error)
	GetItem(ctx context.Context, activityID, itemID int64) (clockinq.Item, error)
	ListStaff(ctx context.Context, activityID int64) ([]clockinq.Staff, error)
	IsStaff(ctx context.Context, activityID, userID int64) (bool, error)
	MyRecords(ctx context.Context, activityID, userID int64) ([]clockinq.Record, error)
}

// ClockInActivities tells whether an activity exists (queries/activities).
type ClockInActivities interface {
	ActivityExists(ctx context.Context, activityID int64) (bool, error)
}

// QRIssuer makes the QR code of an item for the window of now;
// *clockin.CodeSigner implements it.
type QRIssuer interface {
	Issue(itemID int64, now time.Time) clockin.QRCode
}

// ClockInDeps are the ports of the clock-in routes.
type ClockInDeps struct {
	Commands    ClockInCommands
	Queries     ClockInQueries
	Activities  ClockInActivities
	Codes       QRIssuer
	Clock       Clock
	Consistency httpapi.Consistency
	// Zone reads times without an offset and writes times (001: UTC+8).
	Zone *time.Location
	// LinkSecret signs the display page's links (at least 16 bytes).
	LinkSecret []byte
	// DisplayLinkTTL is how long a display link works (default 4 h).
	DisplayLinkTTL time.Duration
	// PublicURL is the base of absolute links; empty: the request's.
	PublicURL string
}

// ClockIns serves 001's clock-in:
//
//	POST   /activities/clockins/{activity}                 clock in {item, code} → 201
//	GET    /activities/clockins/{activity}                 my clock-ins at the activity
//	GET    /activities/clockins/{activity}/qr/?item=       the item's current QR code (staff, admin,
//	                                                       or a display link): JSON, or ?format=png
//	GET    /activities/clockins/{activity}/display-link/?item=   a signed link to the display page
//	GET    /activities/clockins/{activity}/display/?item=&expires=&sig=   the display page (HTML)
//	GET|POST /api/admin/hhu/activities/{activity}/clockin-items/
//	GET|PUT|PATCH|DELETE /api/admin/hhu/activities/{activity}/clockin-items/{id}/
//	GET|POST /api/admin/hhu/activities/{activity}/clockin-staff/
//	DELETE /api/admin/hhu/activities/{activity}/clockin-staff/{user}/
//
// Every route needs "Authorization: Token <key>" (or any credential authn
// accepts), except the display page and the QR route called with a display
// link's parameters (see clockin_page.go); admin routes the admin role.
type ClockIns struct {
	d       ClockInDeps
	linkKey []byte
}

// NewClockIns returns the routes.
func NewClockIns(d ClockInDeps) (*ClockIns, error) {
	if len(d.LinkSecret) < clockin.MinSecretLength {
		return nil, errors.New("hhu: the clock-in LinkSecret must have at least 16 bytes")
	}
	if d.Zone == nil {
		d.Zone = time.FixedZone("CST", 8*3600)
	}
	if d.DisplayLinkTTL <= 0 {
		d.DisplayLinkTTL = 4 * time.Hour
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	return &ClockIns{d: d, linkKey: deriveLinkKey(d.LinkSecret)}, nil
}

// Mount implements httpapi.Routes. Every path is served with and without its
// trailing slash.
func (m *ClockIns) Mount(e *echo.Echo) {
	route := func(method, path string, h echo.HandlerFunc) {
		e.Add(method, path, h)
		e.Add(method, strings.TrimSuffix(path, "/"), h)
	}
	route(http.MethodPost, "/activities/clockins/:activity/", m.clockIn)
	route(http.MethodGet, "/activities/clockins/:activity/", m.myClockIns)
	route(http.MethodGet, "/activities/clockins/:activity/qr/", m.qr)
	route(http.MethodGet, "/activities/clockins/:activity/display-link/", m.displayLink)
	route(http.MethodGet, "/activities/clockins/:activity/display/", m.display)
	const items = "/api/admin/hhu/activities/:activity/clockin-items/"
	route(http.MethodGet, items, m.listItems)
	route(http.MethodPost, items, m.addItem)
	route(http.MethodGet, items+":id/", m.getItem)
	route(http.MethodPut, items+":id/", func(c echo.Context) error { return m.changeItem(c, false) })
	route(http.MethodPatch, items+":id/", func(c echo.Context) error { return m.changeItem(c, true) })
	route(http.MethodDelete, items+":id/", m.removeItem)
	const staff = "/api/admin/hhu/activities/:activity/clockin-staff/"
	route(http.MethodGet, staff, m.listStaff)
	route(http.MethodPost, staff, m.assignStaff)
	route(http.MethodDelete, staff+":user/", m.unassignStaff)
}

// clockInParam parses a positive integer path parameter.
func clockInParam(c echo.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	return id, err == nil && id > 0
}

func (m *ClockIns) ts(t time.Time) string { return t.In(m.d.Zone).Format(time.RFC3339) }

func (m *ClockIns) meta(c echo.Context) eventlog.Metadata {
	return httpapi.EventMeta(c, m.d.Clock.Now())
}

// activity reads the :activity of a route and checks that it exists; ok
// false: 404 was answered.
func (m *ClockIns) activity(c echo.Context) (int64, bool, error) {
	id, ok := clockInParam(c, "activity")
	if !ok {
		return 0, false, notFound(c)
	}
	exists, err := m.d.Activities.ActivityExists(c.Request().Context(), id)
	if err != nil {
		return 0, false, renderError(c, err)
	}
	if !exists {
		return 0, false, notFound(c)
	}
	return id, true, nil
}

// adminActivity is requireAdmin and activity.
func (m *ClockIns) adminActivity(c echo.Context) (authn.Principal, int64, bool, error) {
	p, ok, err := requireAdmin(c)
	if !ok {
		return p, 0, false, err
	}
	id, ok, err := m.activity(c)
	return p, id, ok, err
}

type clockInItemJSON struct {
	ID       int64  `json:"id"`
	Activity int64  `json:"activity"`
	Label    string `json:"label"`
	OpenFrom string `json:"open_from"`
	OpenTo   string `json:"open_to"`
}

func (m *ClockIns) itemOut(it clockin.Item) clockInItemJSON {
	return clockInItemJSON{ID: it.ID, Activity: it.ActivityID, Label: it.Label, OpenFrom: m.ts(it.OpenFrom), OpenTo: m.ts(it.OpenTo)}
}

func (m *ClockIns) itemRow(it clockinq.Item) clockInItemJSON {
	return m.itemOut(clockin.Item{ID: it.ID, ActivityID: it.ActivityID, ItemSpec: clockin.ItemSpec{Label: it.Label, OpenFrom: it.OpenFrom, OpenTo: it.OpenTo}})
}

// listItems: GET /api/admin/hhu/activities/{activity}/clockin-items/.
func (m *ClockIns) listItems(c echo.Context) error {
	_, act, ok, err := m.adminActivity(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, clockinq.ProjectionName)
	items, err := m.d.Queries.ListItems(c.Request().Context(), act)
	if err != nil {
		return renderError(c, err)
	}
	out := make([]clockInItemJSON, len(items))
	for i, it := range items {
		out[i] = m.itemRow(it)
	}
	return c.JSON(http.StatusOK, out)
}

// getItem: GET /api/admin/hhu/activities/{activity}/clockin-items/{id}/.
func (m *ClockIns) getItem(c echo.Context) error {
	_, act, ok, err := m.adminActivity(c)
	if !ok {
		return err
	}
	id, ok := clockInParam(c, "id")
	if !ok {
		return notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, clockinq.ProjectionName)
	it, err := m.d.Queries.GetItem(c.Request().Context(), act, id)
	if errors.Is(err, clockinq.ErrNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	return c.JSON(http.StatusOK, m.itemRow(it))
}

// readItem reads the item fields of a body; partial leaves absent fields nil.
// When ok is false the answer (400) was written and err is the write's error.
func (m *ClockIns) readItem(c echo.Context, partial bool) (p clockin.ItemPatch, ok bool, err error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return p, false, renderError(c, err)
	}
	errs := drf.FieldErrors{}
	if !partial || f.Has("label") {
		if s, ok := f.Str("label", errs, false); ok {
			p.Label = &s
		}
	}
	for _, fld := range []struct {
		name string
		dst  **time.Time
	}{{"open_from", &p.OpenFrom}, {"open_to", &p.OpenTo}} {
		if partial && !f.Has(fld.name) {
			continue
		}
		s, ok := f.Str(fld.name, errs, false)
		if !ok {
			continue
		}
		t, ok := parseDateTime(s, m.d.Zone)
		if !ok {
			errs.Add(fld.name, dateTimeMessage)
			continue
		}
		*fld.dst = &t
	}
	if len(errs) > 0 {
		return p, false, c.JSON(http.StatusBadRequest, errs)
	}
	return p, true, nil
}

// addItem: POST /api/admin/hhu/activities/{activity}/clockin-items/ {label,
// open_from, open_to} → 201 with the item.
func (m *ClockIns) addItem(c echo.Context) error {
	p, act, ok, err := m.adminActivity(c)
	if !ok {
		return err
	}
	patch, ok, err := m.readItem(c, false)
	if !ok {
		return err
	}
	spec := clockin.ItemSpec{Label: *patch.Label, OpenFrom: *patch.OpenFrom, OpenTo: *patch.OpenTo}
	res, err := m.d.Commands.AddItem(c.Request().Context(), clockincmd.AddItem{Actor: actor(p), ActivityID: act, Spec: spec, Meta: m.meta(c)})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, clockinq.ProjectionName)
	return c.JSON(http.StatusCreated, m.itemOut(res.Item))
}

// changeItem: PUT (every field) or PATCH (some) of
// /api/admin/hhu/activities/{activity}/clockin-items/{id}/.
func (m *ClockIns) changeItem(c echo.Context, partial bool) error {
	p, act, ok, err := m.adminActivity(c)
	if !ok {
		return err
	}
	id, ok := clockInParam(c, "id")
	if !ok {
		return notFound(c)
	}
	patch, ok, err := m.readItem(c, partial)
	if !ok {
		return err
	}
	res, err := m.d.Commands.ChangeItem(c.Request().Context(), clockincmd.ChangeItem{Actor: actor(p), ActivityID: act, ItemID: id, Patch: patch, Meta: m.meta(c)})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, clockinq.ProjectionName)
	return c.JSON(http.StatusOK, m.itemOut(res.Item))
}

// removeItem: DELETE /api/admin/hhu/activities/{activity}/clockin-items/{id}/ → 204.
func (m *ClockIns) removeItem(c echo.Context) error {
	return m.adminDelete(c, "id", func(ctx context.Context, a clockincmd.Actor, act, id int64, meta eventlog.Metadata) (eventlog.Position, error) {
		return m.d.Commands.RemoveItem(ctx, clockincmd.RemoveItem{Actor: a, ActivityID: act, ItemID: id, Meta: meta})
	})
}

// adminDelete answers an admin DELETE of the activity's thing named by the
// path parameter param: 204, or 404 when there is no such thing.
func (m *ClockIns) adminDelete(c echo.Context, param string, run func(ctx context.Context, a clockincmd.Actor, act, id int64, meta eventlog.Metadata) (eventlog.Position, error)) error {
	p, act, ok, err := m.adminActivity(c)
	if !ok {
		return err
	}
	id, ok := clockInParam(c, param)
	if !ok {
		return notFound(c)
	}
	pos, err := run(c.Request().Context(), actor(p), act, id, m.meta(c))
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, clockinq.ProjectionName)
	return c.NoContent(http.StatusNoContent)
}

type clockInStaffJSON struct {
	User       int64  `json:"user"`
	Username   string `json:"username"`
	AssignedAt string `json:"assigned_at,omitempty"`
}

// listStaff: GET /api/admin/hhu/activities/{activity}/clockin-staff/.
func (m *ClockIns) listStaff(c echo.Context) error {
	_, act, ok, err := m.adminActivity(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, clockinq.ProjectionName)
	staff, err := m.d.Queries.ListStaff(c.Request().Context(), act)
	if err != nil {
		return renderError(c, err)
	}
	out := make([]clockInStaffJSON, len(staff))
	for i, s := range staff {
		out[i] = clockInStaffJSON{User: s.UserID, Username: s.Username, AssignedAt: m.ts(s.AssignedAt)}
	}
	return c.JSON(http.StatusOK, out)
}

// assignStaff: POST /api/admin/hhu/activities/{activity}/clockin-staff/
// {user} → 201, or 200 when the user already is staff.
func (m *ClockIns) assignStaff(c echo.Context) error {
	p, act, ok, err := m.adminActivity(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	user, _ := formInt(f, "user", errs, true)
	if _, bad := errs["user"]; !bad && user <= 0 {
		errs.Add("user", `Invalid pk "`+strconv.FormatInt(user, 10)+`" - object does not exist.`)
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	pos, created, err := m.d.Commands.AssignStaff(c.Request().Context(), clockincmd.AssignStaff{Actor: actor(p), ActivityID: act, UserID: user, Meta: m.meta(c)})
	if err != nil {
		return renderError(c, err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		m.d.Consistency.AfterCommand(c, pos, clockinq.ProjectionName)
	}
	return c.JSON(status, map[string]any{"activity": act, "user": user})
}

// unassignStaff: DELETE /api/admin/hhu/activities/{activity}/clockin-staff/{user}/ → 204.
func (m *ClockIns) unassignStaff(c echo.Context) error {
	return m.adminDelete(c, "user", func(ctx context.Context, a clockincmd.Actor, act, id int64, meta eventlog.Metadata) (eventlog.Position, error) {
		return m.d.Commands.UnassignStaff(ctx, clockincmd.UnassignStaff{Actor: a, ActivityID: act, UserID: id, Meta: meta})
	})
}

type clockInRecordJSON struct {
	Activity  int64  `json:"activity"`
	Item      int64  `json:"item"`
	Label     string `json:"label"`
	User      int64  `json:"user"`
	ClockedAt string `json:"clocked_at"`
	Window    int64  `json:"window"`
}

// clockIn: POST /activities/clockins/{activity} {item, code} → 201 with the
// record, or 400 naming the field: {"code": ["二维码已过期，请重新扫码"]},
// {"item": ["打卡已结束"]}, {"non_field_errors": ["您已在该打卡项打过卡"]}, ….
func (m *ClockIns) clockIn(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	act, ok := clockInParam(c, "activity")
	if !ok {
		return notFound(c)
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	item, _ := formInt(f, "item", errs, true)
	if _, bad := errs["item"]; !bad && item <= 0 {
		errs.Add("item", `Invalid pk "`+strconv.FormatInt(item, 10)+`" - object does not exist.`)
	}
	code, _ := f.Str("code", errs, false)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	res, err := m.d.Commands.ClockIn(c.Request().Context(), clockincmd.ClockIn{Actor: actor(p), ActivityID: act, ItemID: item, Code: code, Meta: m.meta(c)})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, clockinq.ProjectionName)
	r := res.Record
	return c.JSON(http.StatusCreated, clockInRecordJSON{Activity: r.ActivityID, Item: r.ItemID, Label: r.Label, User: r.UserID, ClockedAt: m.ts(r.ClockedAt), Window: r.Window})
}

// myClockIns: GET /activities/clockins/{activity} → the caller's clock-ins
// at the activity's items, by time.
func (m *ClockIns) myClockIns(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	uid, err := strconv.ParseInt(p.UserID, 10, 64)
	if err != nil {
		return drf.Detail(c, http.StatusUnauthorized, "Invalid token.")
	}
	act, ok, err := m.activity(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, clockinq.ProjectionName)
	recs, err := m.d.Queries.MyRecords(c.Request().Context(), act, uid)
	if err != nil {
		return renderError(c, err)
	}
	out := make([]clockInRecordJSON, len(recs))
	for i, r := range recs {
		out[i] = clockInRecordJSON{Activity: r.ActivityID, Item: r.ItemID, Label: r.Label, User: r.UserID, ClockedAt: m.ts(r.ClockedAt), Window: r.Window}
	}
	return c.JSON(http.StatusOK, out)
}

// activityItem reads the :activity of a QR route, lets authorize admit the
// caller, checks that the activity exists and finds its ?item=; ok false:
// the answer was written.
func (m *ClockIns) activityItem(c echo.Context, authorize func(echo.Context, int64) (bool, error)) (int64, clockinq.Item, bool, error) {
	act, ok := clockInParam(c, "activity")
	if !ok {
		return 0, clockinq.Item{}, false, notFound(c)
	}
	if ok, err := authorize(c, act); !ok {
		return 0, clockinq.Item{}, false, err
	}
	if _, ok, err := m.activity(c); !ok {
		return 0, clockinq.Item{}, false, err
	}
	it, ok, err := m.queryItem(c, act)
	return act, it, ok, err
}

// queryItem reads the required ?item= of the QR routes and finds it among
// the activity's items; ok false: 400 was answered.
func (m *ClockIns) queryItem(c echo.Context, act int64) (clockinq.Item, bool, error) {
	s := strings.TrimSpace(c.QueryParam("item"))
	id, err := strconv.ParseInt(s, 10, 64)
	switch {
	case s == "":
		return clockinq.Item{}, false, c.JSON(http.StatusBadRequest, drf.FieldErrors{"item": {"This field is required."}})
	case err != nil:
		return clockinq.Item{}, false, c.JSON(http.StatusBadRequest, drf.FieldErrors{"item": {"A valid integer is required."}})
	}
	m.d.Consistency.BeforeQuery(c, clockinq.ProjectionName)
	it, err := m.d.Queries.GetItem(c.Request().Context(), act, id)
	if errors.Is(err, clockinq.ErrNotFound) {
		return it, false, c.JSON(http.StatusBadRequest, drf.FieldErrors{"item": {`Invalid pk "` + strconv.FormatInt(id, 10) + `" - object does not exist.`}})
	}
	if err != nil {
		return it, false, renderError(c, err)
	}
	return it, true, nil
}

// requireStaff answers for routes of the activity's clock-in staff and
// admins: 401 without a user, 403 for other users.
func (m *ClockIns) requireStaff(c echo.Context, act int64) (bool, error) {
	p, ok, err := RequireUser(c)
	if !ok {
		return false, err
	}
	if p.IsAdmin {
		return true, nil
	}
	uid, err := strconv.ParseInt(p.UserID, 10, 64)
	if err != nil {
		return false, drf.Detail(c, http.StatusUnauthorized, "Invalid token.")
	}
	m.d.Consistency.BeforeQuery(c, clockinq.ProjectionName)
	staff, err := m.d.Queries.IsStaff(c.Request().Context(), act, uid)
	if err != nil {
		return false, renderError(c, err)
	}
	if !staff {
		return false, drf.Detail(c, http.StatusForbidden, "You do not have permission to perform this action.")
	}
	return true, nil
}

type clockInQRJSON struct {
	Activity      int64  `json:"activity"`
	Item          int64  `json:"item"`
	Label         string `json:"label"`
	Open          bool   `json:"open"`
	Code          string `json:"code"`
	Window        int64  `json:"window"`
	ShownFrom     string `json:"shown_from"`
	ExpiresAt     string `json:"expires_at"`
	ExpiresIn     int64  `json:"expires_in_ms"`
	PeriodSeconds int    `json:"period_seconds"`
	GraceSeconds  int    `json:"grace_seconds"`
	Image         string `json:"image"`
}

// clockInQRSize is the side of the QR PNG in pixels.
const clockInQRSize = 320

// qr: GET /activities/clockins/{activity}/qr/?item={id}[&format=png] → the
// item's QR code for the current window: JSON with the payload, its expiry
// and the image as a data URI, or the PNG alone (X-QR-Window and
// X-QR-Expires-At headers). Staff of the activity and admins, or a display
// link's expires and sig parameters.
func (m *ClockIns) qr(c echo.Context) error {
	act, it, ok, err := m.activityItem(c, m.authorizeQR)
	if !ok {
		return err
	}
	now := m.d.Clock.Now()
	q := m.d.Codes.Issue(it.ID, now)
	png, err := qrcode.Encode(q.Payload, qrcode.Medium, clockInQRSize)
	if err != nil {
		return renderError(c, err)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	if c.QueryParam("format") == "png" {
		c.Response().Header().Set("X-QR-Window", strconv.FormatInt(q.Window, 10))
		c.Response().Header().Set("X-QR-Expires-At", m.ts(q.ExpiresAt))
		return c.Blob(http.StatusOK, "image/png", png)
	}
	return c.JSON(http.StatusOK, clockInQRJSON{
		Activity: act, Item: it.ID, Label: it.Label, Open: !now.Before(it.OpenFrom) && now.Before(it.OpenTo),
		Code: q.Payload, Window: q.Window, ShownFrom: m.ts(q.ShownFrom), ExpiresAt: m.ts(q.ExpiresAt),
		ExpiresIn: q.ExpiresAt.Sub(now).Milliseconds(), PeriodSeconds: int(clockin.Period / time.Second),
		GraceSeconds: int(clockin.Grace / time.Second),
		Image:        "data:image/png;base64," + base64.StdEncoding.EncodeToString(png),
	})
}
