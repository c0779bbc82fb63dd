// Package repairshttp serves 001's repair requests (故障报修) in the hhu
// dialect: the requests, their categories and the addresses notified of
// them.
package repairshttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	repairscmd "github.com/fiveapis/backend/commands/repairs"
	repairsq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// Commands is what the routes need of the commands (repairscmd.Handlers).
type Commands interface {
	AddCategory(ctx context.Context, cmd repairscmd.AddCategory) (repairscmd.CategoryResult, error)
	RenameCategory(ctx context.Context, cmd repairscmd.RenameCategory) (repairscmd.CategoryResult, error)
	RemoveCategory(ctx context.Context, cmd repairscmd.RemoveCategory) (repairscmd.Result, error)
	AddAddress(ctx context.Context, cmd repairscmd.AddAddress) (repairscmd.AddressResult, error)
	ChangeAddress(ctx context.Context, cmd repairscmd.ChangeAddress) (repairscmd.AddressResult, error)
	RemoveAddress(ctx context.Context, cmd repairscmd.RemoveAddress) (repairscmd.Result, error)
	RequestRepair(ctx context.Context, cmd repairscmd.RequestRepair) (repairscmd.RepairResult, error)
	ChangeStatus(ctx context.Context, cmd repairscmd.ChangeStatus) (repairscmd.Result, error)
}

// Queries is what the routes need of the read model (repairsq.Queries).
type Queries interface {
	ListCategories(ctx context.Context) ([]repairsq.Category, error)
	GetCategory(ctx context.Context, id int64) (repairsq.Category, error)
	ListAddresses(ctx context.Context) ([]repairsq.Address, error)
	GetAddress(ctx context.Context, id int64) (repairsq.Address, error)
	MyRepairs(ctx context.Context, userID int64) ([]repairsq.Repair, error)
	ListRepairs(ctx context.Context, f repairsq.Filter) ([]repairsq.Repair, int, error)
	GetRepair(ctx context.Context, id int64) (repairsq.Repair, error)
}

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	Clock    hhu.Clock
	// Zone renders times (default: China Standard Time).
	Zone *time.Location
}

// Handlers serve the routes.
type Handlers struct {
	d Deps
}

// New returns the routes.
func New(d Deps) *Handlers {
	if d.Zone == nil {
		d.Zone = meetingroomscmd.DefaultZone
	}
	return &Handlers{d: d}
}

// Mount implements httpapi.Routes:
//
//	GET    /repairs/categories/                       categories (any user)
//	POST   /repairs/                                  {location, category, description} → 201
//	GET    /repairs/                                  my requests, newest first
//	GET    /repairs/{id}/                             one of mine (admins: any), with its history
//	GET|POST /api/admin/hhu/repairs/categories/       admin: list, add {name}
//	GET|PUT|PATCH|DELETE /api/admin/hhu/repairs/categories/{id}/
//	GET|POST /api/admin/hhu/repairs/addresses/        admin: notified addresses {email, categories}
//	GET|PUT|PATCH|DELETE /api/admin/hhu/repairs/addresses/{id}/
//	GET    /api/admin/hhu/repairs/                    admin: every request (?status=&category=&page=&page_size=)
//	GET|PATCH /api/admin/hhu/repairs/{id}/            admin: one request; {status} changes it
func (h *Handlers) Mount(e *echo.Echo) {
	r := hhu.Routes(e)
	user, admin := r.With(hhu.User), r.With(hhu.Admin)
	categories := h.categories()
	user.GET("/repairs/categories/", categories.ListAll)
	user.POST("/repairs/", h.request)
	user.GET("/repairs/", h.mine)
	user.GET("/repairs/:id/", h.getMine)
	const prefix = "/api/admin/hhu/repairs/"
	categories.Mount(admin, prefix+"categories/")
	admin.GET(prefix+"addresses/", h.listAddresses)
	admin.POST(prefix+"addresses/", h.addAddress)
	admin.GET(prefix+"addresses/:id/", h.getAddress)
	admin.PUT(prefix+"addresses/:id/", h.putAddress)
	admin.PATCH(prefix+"addresses/:id/", h.patchAddress)
	admin.DELETE(prefix+"addresses/:id/", h.removeAddress)
	admin.GET(prefix, h.list)
	admin.GET(prefix+":id/", h.get)
	admin.PATCH(prefix+":id/", h.changeStatus)
}
