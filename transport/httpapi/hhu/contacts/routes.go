// Package contactshttp serves 001's address book, colleagues and
// departments in the hhu dialect.
package contactshttp

import (
	"context"

	"github.com/labstack/echo/v4"

	contactscmd "github.com/fiveapis/backend/commands/contacts"
	contactsq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// Commands is what the routes need of the commands (contactscmd.Handlers).
type Commands interface {
	AddColleague(ctx context.Context, cmd contactscmd.SetColleague) (contactscmd.ColleagueResult, error)
	RemoveColleague(ctx context.Context, cmd contactscmd.SetColleague) (contactscmd.ColleagueResult, error)
	AddDepartment(ctx context.Context, cmd contactscmd.AddDepartment) (contactscmd.DepartmentResult, error)
	RenameDepartment(ctx context.Context, cmd contactscmd.RenameDepartment) (contactscmd.DepartmentResult, error)
	RemoveDepartment(ctx context.Context, cmd contactscmd.RemoveDepartment) (contactscmd.Result, error)
	PlaceMember(ctx context.Context, cmd contactscmd.PlaceMember) (contactscmd.MemberResult, error)
	DismissMember(ctx context.Context, cmd contactscmd.DismissMember) (contactscmd.Result, error)
}

// Queries is what the routes need of the read model (contactsq.Queries).
type Queries interface {
	ListContacts(ctx context.Context, l contactsq.ListContacts) (contactsq.ContactPage, error)
	ContactOf(ctx context.Context, viewer, userID int64) (contactsq.Contact, error)
	ListDepartments(ctx context.Context) ([]contactsq.Department, error)
	GetDepartment(ctx context.Context, id int64) (contactsq.Department, error)
	ListMembers(ctx context.Context) ([]contactsq.Member, error)
	MemberOf(ctx context.Context, userID int64) (contactsq.Member, error)
}

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	Clock    hhu.Clock
}

// Handlers serve the routes.
type Handlers struct {
	d Deps
}

// New returns the routes.
func New(d Deps) *Handlers { return &Handlers{d: d} }

// PageSize is the address book's page size (001's default of 20).
const PageSize = 20

// Mount implements httpapi.Routes:
//
//	GET    /contacts/                    the address book (?my=yes|no&search=&page=)
//	POST   /friends/{id}/                add a colleague: 201, or 200 when already one
//	DELETE /friends/{id}/                remove a colleague: 204
//	GET    /departments/                 the departments (any user)
//	GET|POST /api/admin/hhu/departments/ the departments (admin); add one {name}
//	GET|PUT|PATCH|DELETE /api/admin/hhu/departments/{id}/
//	GET    /api/admin/hhu/members/       the staff: placed by an admin or bound through WeChat
//	GET|PUT|DELETE /api/admin/hhu/members/{user}/  one; place in {department}; dismiss
//
// The address book and colleagues are for members of the staff and admins
// (403 for any other account, docs/identity.md "Membership").
func (h *Handlers) Mount(e *echo.Echo) {
	r := hhu.Routes(e)
	user, admin := r.With(hhu.User), r.With(hhu.Admin)
	user.GET("/contacts/", h.listContacts)
	user.POST("/friends/:id/", h.addColleague)
	user.DELETE("/friends/:id/", h.removeColleague)
	departments := h.departments()
	user.GET("/departments/", departments.ListAll)
	departments.Mount(admin, "/api/admin/hhu/departments/")
	admin.GET("/api/admin/hhu/members/", h.listMembers)
	admin.GET("/api/admin/hhu/members/:user/", h.getMember)
	admin.PUT("/api/admin/hhu/members/:user/", h.placeMember)
	admin.DELETE("/api/admin/hhu/members/:user/", h.dismissMember)
}
