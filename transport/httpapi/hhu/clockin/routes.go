// Package clockinhttp serves 001's clock-in in the hhu dialect: the items
// and staff of an activity, clocking in with a rotating QR code, and the
// staff's display page that shows the code.
package clockinhttp

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	clockincmd "github.com/fiveapis/backend/commands/clockin"
	"github.com/fiveapis/backend/domain/clockin"
	activitiesq "github.com/fiveapis/backend/queries/activities"
	clockinq "github.com/fiveapis/backend/queries/clockin"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// Commands is what the routes need of the commands (clockincmd.Handlers).
type Commands interface {
	AddItem(ctx context.Context, cmd clockincmd.AddItem) (clockincmd.ItemResult, error)
	ChangeItem(ctx context.Context, cmd clockincmd.ChangeItem) (clockincmd.ItemResult, error)
	RemoveItem(ctx context.Context, cmd clockincmd.RemoveItem) (clockincmd.Result, error)
	AssignStaff(ctx context.Context, cmd clockincmd.AssignStaff) (clockincmd.StaffResult, error)
	UnassignStaff(ctx context.Context, cmd clockincmd.UnassignStaff) (clockincmd.Result, error)
	ClockIn(ctx context.Context, cmd clockincmd.ClockIn) (clockincmd.ClockInResult, error)
}

// Queries is what the routes need of the read model (clockinq.Queries).
type Queries interface {
	ListItems(ctx context.Context, activityID int64) ([]clockinq.Item, error)
	GetItem(ctx context.Context, activityID, itemID int64) (clockinq.Item, error)
	ListStaff(ctx context.Context, activityID int64) ([]clockinq.Staff, error)
	IsStaff(ctx context.Context, activityID, userID int64) (bool, error)
	MyRecords(ctx context.Context, activityID, userID int64) ([]clockinq.Record, error)
	FindItem(ctx context.Context, itemID int64) (clockinq.Item, error)
}

// Activities tells whether an activity exists, and its title
// (queries/activities).
type Activities interface {
	ActivityExists(ctx context.Context, activityID int64) (bool, error)
	GetActivity(ctx context.Context, id int64) (activitiesq.Activity, error)
}

// QRIssuer makes the QR code of an item for the window of now;
// *clockin.CodeSigner implements it.
type QRIssuer interface {
	Issue(itemID int64, now time.Time) clockin.QRCode
}

// Deps are the routes' ports.
type Deps struct {
	Commands   Commands
	Queries    Queries
	Activities Activities
	Codes      QRIssuer
	Clock      hhu.Clock
	// Zone reads times without an offset and writes times (001: UTC+8).
	Zone *time.Location
	// LinkSecret signs the display page's links (at least 16 bytes).
	LinkSecret []byte
	// DisplayLinkTTL is how long a display link works (default 4 h).
	DisplayLinkTTL time.Duration
	// PublicURL is the base of absolute links; empty: the request's.
	PublicURL string
}

// Handlers serve the routes.
type Handlers struct {
	d       Deps
	linkKey []byte
}

// New returns the routes.
func New(d Deps) (*Handlers, error) {
	if len(d.LinkSecret) < clockin.MinSecretLength {
		return nil, errors.New("clockinhttp: the clock-in LinkSecret must have at least 16 bytes")
	}
	if d.Zone == nil {
		d.Zone = time.FixedZone("CST", 8*3600)
	}
	if d.DisplayLinkTTL <= 0 {
		d.DisplayLinkTTL = 4 * time.Hour
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	return &Handlers{d: d, linkKey: deriveLinkKey(d.LinkSecret)}, nil
}

// Mount implements httpapi.Routes:
//
//	POST   /activities/clockins/{activity}                 clock in {item, code} → 201
//	POST   /activities/clockins/                           clock in {key: the scanned code} → 201 (the mini-program)
//	GET    /activities/clockins/{activity}                 my clock-ins at the activity; to the mini-program,
//	                                                       every item with is_clockin
//	GET    /activities/clockins/{activity}/qr/?item=       the item's current QR code (staff, admin,
//	                                                       or a display link): JSON, or ?format=png
//	GET    /activities/clockins/{activity}/display-link/?item=   a signed link to the display page
//	GET    /activities/clockins/{activity}/display/?item=&expires=&sig=   the display page (HTML)
//	GET|POST /api/admin/hhu/activities/{activity}/clockin-items/
//	GET|PUT|PATCH|DELETE /api/admin/hhu/activities/{activity}/clockin-items/{id}/
//	GET|POST /api/admin/hhu/activities/{activity}/clockin-staff/
//	DELETE /api/admin/hhu/activities/{activity}/clockin-staff/{user}/
//
// The QR, display-link and display routes check their caller themselves,
// after the activity's id: a display link's signature, or the activity's
// staff and admins (display.go).
func (h *Handlers) Mount(e *echo.Echo) {
	r := hhu.Routes(e)
	user, admin := r.With(hhu.User), r.With(hhu.Admin)
	user.POST("/activities/clockins/", h.clockInByKey)
	user.POST("/activities/clockins/:activity/", h.clockIn)
	user.GET("/activities/clockins/:activity/", h.myClockIns)
	r.GET("/activities/clockins/:activity/qr/", h.qr)
	r.GET("/activities/clockins/:activity/display-link/", h.displayLink)
	r.GET("/activities/clockins/:activity/display/", h.display)
	const items = "/api/admin/hhu/activities/:activity/clockin-items/"
	admin.GET(items, h.listItems)
	admin.POST(items, h.addItem)
	admin.GET(items+":id/", h.getItem)
	admin.PUT(items+":id/", h.putItem)
	admin.PATCH(items+":id/", h.patchItem)
	admin.DELETE(items+":id/", h.removeItem)
	const staff = "/api/admin/hhu/activities/:activity/clockin-staff/"
	admin.GET(staff, h.listStaff)
	admin.POST(staff, h.assignStaff)
	admin.DELETE(staff+":user/", h.unassignStaff)
}
