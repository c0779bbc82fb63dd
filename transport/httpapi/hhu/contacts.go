package hhu

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	contactcmd "github.com/fiveapis/backend/commands/contacts"
	"github.com/fiveapis/backend/commands/hhuactor"
	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/domain/eventlog"
	contactq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// ContactCommands is what the contact routes need of the commands.
type ContactCommands interface {
	AddColleague(ctx context.Context, cmd contactcmd.SetColleague) (contactcmd.ColleagueResult, error)
	RemoveColleague(ctx context.Context, cmd contactcmd.SetColleague) (contactcmd.ColleagueResult, error)
	AddDepartment(ctx context.Context, cmd contactcmd.AddDepartment) (contactcmd.DepartmentResult, error)
	RenameDepartment(ctx context.Context, cmd contactcmd.RenameDepartment) (contactcmd.DepartmentResult, error)
	RemoveDepartment(ctx context.Context, cmd contactcmd.RemoveDepartment) (eventlog.Position, error)
}

// ContactQueries is what the contact routes need of the queries.
type ContactQueries interface {
	ListContacts(ctx context.Context, l contactq.ListContacts) (contactq.ContactPage, error)
	ContactOf(ctx context.Context, viewer, userID int64) (contactq.Contact, error)
	ListDepartments(ctx context.Context) ([]contactq.Department, error)
	GetDepartment(ctx context.Context, id int64) (contactq.Department, error)
}

// ContactDeps are the ports of the contact routes.
type ContactDeps struct {
	Commands    ContactCommands
	Queries     ContactQueries
	Clock       Clock
	Consistency httpapi.Consistency
}

// Contacts serves 001's address book, colleagues and departments:
//
//	GET    /contacts/                               the address book (?my=yes|no&search=&page=)
//	POST   /friends/{id}/                           add a colleague: 201, or 200 when already one
//	DELETE /friends/{id}/                           remove a colleague: 204
//	GET    /departments/                            the departments (any user)
//	GET    /api/admin/hhu/departments/              the departments (admin)
//	POST   /api/admin/hhu/departments/              add one {name}
//	GET|PUT|PATCH|DELETE /api/admin/hhu/departments/{id}/
//
// Every route needs "Authorization: Token <key>" (or any credential authn
// accepts); admin routes the admin role.
type Contacts struct {
	d ContactDeps
}

// NewContacts returns the routes.
func NewContacts(d ContactDeps) *Contacts { return &Contacts{d: d} }

// ContactsPageSize is the address book's page size (001's default of 20).
const ContactsPageSize = 20

// Mount implements httpapi.Routes. Every path is served with and without its
// trailing slash.
func (m *Contacts) Mount(e *echo.Echo) {
	route := routeBoth(e)
	route(http.MethodGet, "/contacts/", m.listContacts)
	route(http.MethodPost, "/friends/:id/", m.addColleague)
	route(http.MethodDelete, "/friends/:id/", m.removeColleague)
	route(http.MethodGet, "/departments/", m.listDepartments)
	m.departmentsAdmin().mount(route, "/api/admin/hhu/departments/")
}

// callerID is the caller's user id; false when the principal has none (then
// 401 was answered).
func callerID(c echo.Context, p authn.Principal) (int64, bool, error) {
	id, err := strconv.ParseInt(p.UserID, 10, 64)
	if err != nil || id <= 0 {
		return 0, false, drf.Detail(c, http.StatusUnauthorized, "Invalid token.")
	}
	return id, true, nil
}

// addressBookEntry is one contact as /contacts/ answers it: the fields of
// /current-user/meta/ with the department by name.
type addressBookEntry struct {
	User         int64  `json:"user"`
	Username     string `json:"username"`
	Name         string `json:"name"`
	Position     string `json:"position"`
	Department   string `json:"department"`
	DepartmentID *int64 `json:"department_id"`
	QQ           string `json:"qq"`
	Phone        string `json:"phone"`
	Mobile       string `json:"mobile"`
	IsColleague  bool   `json:"is_colleague"`
}

func toAddressBookEntry(x contactq.Contact) addressBookEntry {
	return addressBookEntry{User: x.UserID, Username: x.Username, Name: x.Name, Position: x.Position,
		Department: x.Department, DepartmentID: x.DepartmentID, QQ: x.QQ, Phone: x.Phone, Mobile: x.Mobile, IsColleague: x.IsColleague}
}

// pageNumber reads DRF's ?page= (from 1; "last" is 0 until the count is
// known); a bad one is 404 "Invalid page.", as PageNumberPagination answers.
func pageNumber(c echo.Context) (int, bool) {
	s := strings.TrimSpace(c.QueryParam("page"))
	switch s {
	case "":
		return 1, true
	case "last":
		return 0, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1
}

// pageLink is DRF's next/previous link: the request's URL with page n (nil
// when n is out of range).
func pageLink(c echo.Context, n, size, total int) *string {
	if n < 1 || (n-1)*size >= total {
		return nil
	}
	u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: c.Request().URL.Path}
	q := c.Request().URL.Query()
	if n == 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(n))
	}
	u.RawQuery = q.Encode()
	s := u.String()
	return &s
}

// listContacts: GET /contacts/?my=yes|no&search=&page= → DRF page
// {count, next, previous, results} of address-book entries, 20 a page, by
// user id.
func (m *Contacts) listContacts(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	viewer, ok, err := callerID(c, p)
	if !ok {
		return err
	}
	errs := drf.FieldErrors{}
	my := strings.ToLower(strings.TrimSpace(c.QueryParam("my")))
	if my != "" && my != "yes" && my != "no" {
		errs.Add("my", `"`+c.QueryParam("my")+`" is not a valid choice.`)
	}
	if len([]rune(c.QueryParam("search"))) > 100 {
		errs.Add("search", "Ensure this field has no more than 100 characters.")
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	page, ok := pageNumber(c)
	if !ok {
		return drf.Detail(c, http.StatusNotFound, "Invalid page.")
	}
	m.d.Consistency.BeforeQuery(c, contactq.ProjectionName, contactq.IdentityProjection)
	list := contactq.ListContacts{Viewer: viewer, OnlyColleagues: my == "yes", Search: c.QueryParam("search"), Page: max(page, 1), PageSize: ContactsPageSize}
	res, err := m.d.Queries.ListContacts(c.Request().Context(), list)
	if err == nil && page == 0 {
		if page = max(1, (res.Total+ContactsPageSize-1)/ContactsPageSize); page > 1 {
			list.Page = page
			res, err = m.d.Queries.ListContacts(c.Request().Context(), list)
		}
	}
	if err != nil {
		return renderError(c, err)
	}
	if len(res.Contacts) == 0 && page > 1 {
		return drf.Detail(c, http.StatusNotFound, "Invalid page.")
	}
	results := make([]addressBookEntry, len(res.Contacts))
	for i, x := range res.Contacts {
		results[i] = toAddressBookEntry(x)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"count": res.Total, "next": pageLink(c, page+1, ContactsPageSize, res.Total),
		"previous": pageLink(c, page-1, ContactsPageSize, res.Total), "results": results,
	})
}

// colleague reads the route's user: an active, not erased user (else 404).
func (m *Contacts) colleague(c echo.Context, viewer int64) (contactq.Contact, bool, error) {
	id, ok := pathID(c)
	if !ok {
		return contactq.Contact{}, false, notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, contactq.ProjectionName, contactq.IdentityProjection)
	x, err := m.d.Queries.ContactOf(c.Request().Context(), viewer, id)
	if errors.Is(err, contactq.ErrNotFound) {
		return x, false, notFound(c)
	}
	if err != nil {
		return x, false, renderError(c, err)
	}
	return x, true, nil
}

// addColleague: POST /friends/{id}/ → 201 with the colleague's entry, 200
// when they already were one; 404 for an unknown user, 400 for oneself.
func (m *Contacts) addColleague(c echo.Context) error { return m.setColleague(c, true) }

// removeColleague: DELETE /friends/{id}/ → 204, whether or not they were a
// colleague; 404 for an unknown user.
func (m *Contacts) removeColleague(c echo.Context) error { return m.setColleague(c, false) }

func (m *Contacts) setColleague(c echo.Context, add bool) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	viewer, ok, err := callerID(c, p)
	if !ok {
		return err
	}
	x, ok, err := m.colleague(c, viewer)
	if !ok {
		return err
	}
	cmd := contactcmd.SetColleague{Actor: actor(p), ColleagueID: x.UserID, Meta: httpapi.EventMeta(c, m.d.Clock.Now())}
	run := m.d.Commands.RemoveColleague
	if add {
		run = m.d.Commands.AddColleague
	}
	res, err := run(c.Request().Context(), cmd)
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, contactq.ProjectionName)
	if !add {
		return c.NoContent(http.StatusNoContent)
	}
	x.IsColleague = true
	status := http.StatusOK
	if res.Changed {
		status = http.StatusCreated
	}
	return c.JSON(status, toAddressBookEntry(x))
}

type departmentJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// listDepartments: GET /departments/ → every department, by id.
func (m *Contacts) listDepartments(c echo.Context) error {
	if _, ok, err := RequireUser(c); !ok {
		return err
	}
	return m.departmentsAdmin().answerAll(c)
}

// departments is the read model of the departments.
func (m *Contacts) departments() readModel {
	return readModel{consistency: m.d.Consistency, projection: contactq.ProjectionName, notFound: contactq.ErrNotFound}
}

func toDepartmentJSON(d contactq.Department) departmentJSON {
	return departmentJSON{ID: d.ID, Name: d.Name}
}

// departmentsAdmin serves the admin routes of the departments; names are
// unique (400 on name otherwise), and entries that referred to a removed
// department show none.
func (m *Contacts) departmentsAdmin() namedAdmin[contactq.Department, departmentJSON] {
	return namedAdmin[contactq.Department, departmentJSON]{
		kit:  adminKit{clock: m.d.Clock, consistency: m.d.Consistency, projection: contactq.ProjectionName},
		rm:   m.departments(),
		list: m.d.Queries.ListDepartments, get: m.d.Queries.GetDepartment, render: toDepartmentJSON,
		written: func(id int64, name string) departmentJSON { return departmentJSON{ID: id, Name: name} },
		gone:    contacts.ErrDepartmentNotFound,
		add: func(ctx context.Context, a hhuactor.Actor, name string, meta eventlog.Metadata) (int64, eventlog.Position, error) {
			res, err := m.d.Commands.AddDepartment(ctx, contactcmd.AddDepartment{Actor: a, Name: name, Meta: meta})
			return res.Department.ID, res.Position, err
		},
		rename: func(ctx context.Context, a hhuactor.Actor, id int64, name string, meta eventlog.Metadata) (eventlog.Position, error) {
			res, err := m.d.Commands.RenameDepartment(ctx, contactcmd.RenameDepartment{Actor: a, DepartmentID: id, Name: name, Meta: meta})
			return res.Position, err
		},
		remove: func(ctx context.Context, a hhuactor.Actor, id int64, meta eventlog.Metadata) (eventlog.Position, error) {
			return m.d.Commands.RemoveDepartment(ctx, contactcmd.RemoveDepartment{Actor: a, DepartmentID: id, Meta: meta})
		},
	}
}
