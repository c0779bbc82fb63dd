package hhu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/commands/hhuactor"
	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	repaircmd "github.com/fiveapis/backend/commands/repairs"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/repairs"
	repairq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// RepairCommands is what the repair routes need of the commands.
type RepairCommands interface {
	AddCategory(ctx context.Context, cmd repaircmd.AddCategory) (repairs.Category, eventlog.Position, error)
	RenameCategory(ctx context.Context, cmd repaircmd.RenameCategory) (repairs.Category, eventlog.Position, error)
	RemoveCategory(ctx context.Context, cmd repaircmd.RemoveCategory) (eventlog.Position, error)
	AddAddress(ctx context.Context, cmd repaircmd.AddAddress) (repairs.Address, eventlog.Position, error)
	ChangeAddress(ctx context.Context, cmd repaircmd.ChangeAddress) (repairs.Address, eventlog.Position, error)
	RemoveAddress(ctx context.Context, cmd repaircmd.RemoveAddress) (eventlog.Position, error)
	RequestRepair(ctx context.Context, cmd repaircmd.RequestRepair) (repaircmd.RepairResult, error)
	ChangeStatus(ctx context.Context, cmd repaircmd.ChangeStatus) (repaircmd.Result, error)
}

// RepairQueries is what the repair routes need of the queries.
type RepairQueries interface {
	ListCategories(ctx context.Context) ([]repairq.Category, error)
	GetCategory(ctx context.Context, id int64) (repairq.Category, error)
	ListAddresses(ctx context.Context) ([]repairq.Address, error)
	GetAddress(ctx context.Context, id int64) (repairq.Address, error)
	MyRepairs(ctx context.Context, userID int64) ([]repairq.Repair, error)
	ListRepairs(ctx context.Context, f repairq.Filter) ([]repairq.Repair, int, error)
	GetRepair(ctx context.Context, id int64) (repairq.Repair, error)
}

// RepairDeps are the ports of the repair routes.
type RepairDeps struct {
	Commands    RepairCommands
	Queries     RepairQueries
	Clock       Clock
	Consistency httpapi.Consistency
	// Zone renders times (default: China Standard Time).
	Zone *time.Location
}

// Repairs serves 001's repair requests (故障报修):
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
type Repairs struct {
	d RepairDeps
}

// NewRepairs returns the routes.
func NewRepairs(d RepairDeps) *Repairs {
	if d.Zone == nil {
		d.Zone = roomcmd.DefaultZone
	}
	return &Repairs{d: d}
}

// Mount implements httpapi.Routes. Every path is served with and without its
// trailing slash.
func (m *Repairs) Mount(e *echo.Echo) {
	route := routeBoth(e)
	route(http.MethodGet, "/repairs/categories/", m.listCategories)
	route(http.MethodPost, "/repairs/", m.request)
	route(http.MethodGet, "/repairs/", m.mine)
	route(http.MethodGet, "/repairs/:id/", m.getMine)
	const admin = "/api/admin/hhu/repairs/"
	m.categories().mount(route, admin+"categories/")
	route(http.MethodGet, admin+"addresses/", m.listAddresses)
	route(http.MethodPost, admin+"addresses/", m.addAddress)
	route(http.MethodGet, admin+"addresses/:id/", m.getAddress)
	route(http.MethodPut, admin+"addresses/:id/", m.putAddress)
	route(http.MethodPatch, admin+"addresses/:id/", m.patchAddress)
	route(http.MethodDelete, admin+"addresses/:id/", m.removeAddress)
	route(http.MethodGet, admin, m.adminList)
	route(http.MethodGet, admin+":id/", m.adminGet)
	route(http.MethodPatch, admin+":id/", m.changeStatus)
}

type repairCategoryJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type repairAddressJSON struct {
	ID         int64   `json:"id"`
	Email      string  `json:"email"`
	Categories []int64 `json:"categories"`
	// AllCategories: no category chosen, so every category is notified.
	AllCategories bool `json:"all_categories"`
}

func toAddressJSON(id int64, email string, cats []int64) repairAddressJSON {
	if cats == nil {
		cats = []int64{}
	}
	return repairAddressJSON{ID: id, Email: email, Categories: cats, AllCategories: len(cats) == 0}
}

type repairStatusJSON struct {
	From        string `json:"from"`
	To          string `json:"to"`
	ToDisplay   string `json:"to_display"`
	ChangedBy   int64  `json:"changed_by"`
	ChangedAt   string `json:"changed_at"`
	FromDisplay string `json:"from_display"`
}

type repairJSON struct {
	ID            int64              `json:"id"`
	User          int64              `json:"user"`
	Location      string             `json:"location"`
	Category      int64              `json:"category"`
	CategoryName  string             `json:"category_name"`
	Description   string             `json:"description"`
	Status        string             `json:"status"`
	StatusDisplay string             `json:"status_display"`
	Created       string             `json:"created"`
	Updated       string             `json:"updated"`
	History       []repairStatusJSON `json:"history,omitempty"`
	// Notified are the addresses told of the request (admins only).
	Notified []string `json:"notified,omitempty"`
}

func (m *Repairs) ts(t time.Time) string { return t.In(m.d.Zone).Format(time.RFC3339) }

func (m *Repairs) toJSON(r repairq.Repair, detail, admin bool) repairJSON {
	out := repairJSON{ID: r.ID, User: r.UserID, Location: r.Location, Category: r.CategoryID, CategoryName: r.CategoryName,
		Description: r.Description, Status: r.Status, StatusDisplay: repairs.StatusLabel(r.Status),
		Created: m.ts(r.CreatedAt), Updated: m.ts(r.UpdatedAt)}
	if detail {
		out.History = make([]repairStatusJSON, len(r.History))
		for i, h := range r.History {
			out.History[i] = repairStatusJSON{From: h.From, FromDisplay: repairs.StatusLabel(h.From), To: h.To,
				ToDisplay: repairs.StatusLabel(h.To), ChangedBy: h.ChangedBy, ChangedAt: m.ts(h.ChangedAt)}
		}
	}
	if admin {
		out.Notified = r.Notify
	}
	return out
}

// listCategories: GET /repairs/categories/.
func (m *Repairs) listCategories(c echo.Context) error {
	if _, ok, err := RequireUser(c); !ok {
		return err
	}
	return m.categories().answerAll(c)
}

func (m *Repairs) readModel() readModel {
	return readModel{consistency: m.d.Consistency, projection: repairq.ProjectionName, notFound: repairq.ErrNotFound}
}

// categories serves the admin routes of the categories.
func (m *Repairs) categories() namedAdmin[repairq.Category, repairCategoryJSON] {
	return namedAdmin[repairq.Category, repairCategoryJSON]{
		kit: m.kit(), rm: m.readModel(),
		list: m.d.Queries.ListCategories, get: m.d.Queries.GetCategory,
		render:  func(x repairq.Category) repairCategoryJSON { return repairCategoryJSON(x) },
		written: func(id int64, name string) repairCategoryJSON { return repairCategoryJSON{ID: id, Name: name} },
		gone:    repairs.ErrCategoryNotFound,
		add: func(ctx context.Context, a hhuactor.Actor, name string, meta eventlog.Metadata) (int64, eventlog.Position, error) {
			cat, pos, err := m.d.Commands.AddCategory(ctx, repaircmd.AddCategory{Actor: a, Name: name, Meta: meta})
			return cat.ID, pos, err
		},
		rename: func(ctx context.Context, a hhuactor.Actor, id int64, name string, meta eventlog.Metadata) (eventlog.Position, error) {
			_, pos, err := m.d.Commands.RenameCategory(ctx, repaircmd.RenameCategory{Actor: a, CategoryID: id, Name: name, Meta: meta})
			return pos, err
		},
		remove: func(ctx context.Context, a hhuactor.Actor, id int64, meta eventlog.Metadata) (eventlog.Position, error) {
			return m.d.Commands.RemoveCategory(ctx, repaircmd.RemoveCategory{Actor: a, CategoryID: id, Meta: meta})
		},
	}
}

func (m *Repairs) kit() adminKit {
	return adminKit{clock: m.d.Clock, consistency: m.d.Consistency, projection: repairq.ProjectionName}
}

// listAddresses: GET /api/admin/hhu/repairs/addresses/.
func (m *Repairs) listAddresses(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	return answerList(c, m.readModel(), m.d.Queries.ListAddresses, addressJSON)
}

// addressJSON renders a notification address.
func addressJSON(a repairq.Address) repairAddressJSON {
	return toAddressJSON(a.ID, a.Email, a.CategoryIDs)
}

// getAddress: GET /api/admin/hhu/repairs/addresses/{id}/.
func (m *Repairs) getAddress(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	return answerOne(c, m.readModel(), m.d.Queries.GetAddress, addressJSON)
}

// readAddress reads {email, categories: [ids]} of a JSON or form body
// (categories repeated in a form); partial leaves absent fields nil.
// When ok is false the answer (400) was written and err is the write's error.
func readAddress(c echo.Context, partial bool) (p repairs.AddressPatch, ok bool, err error) {
	req := c.Request()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return p, false, renderError(c, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	f, err := drf.ReadForm(c)
	if err != nil {
		return p, false, renderError(c, err)
	}
	errs := drf.FieldErrors{}
	if !partial || f.Has("email") {
		if s, ok := f.Str("email", errs, false); ok {
			p.Email = &s
		}
	}
	if f.Has("categories") {
		ids, ok := categoryList(req, body, errs)
		if ok {
			p.CategoryIDs = &ids
		}
	} else if !partial {
		none := []int64{}
		p.CategoryIDs = &none
	}
	if len(errs) > 0 {
		return p, false, c.JSON(http.StatusBadRequest, errs)
	}
	return p, true, nil
}

// categoryList reads the categories field as DRF's many=True
// PrimaryKeyRelatedField does: a list of ids (numbers or numeric strings).
func categoryList(req *http.Request, body []byte, errs drf.FieldErrors) ([]int64, bool) {
	var raw []any
	if ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); ct == echo.MIMEApplicationForm || ct == echo.MIMEMultipartForm {
		for _, v := range req.Form["categories"] {
			if strings.TrimSpace(v) != "" {
				raw = append(raw, v)
			}
		}
	} else {
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(body, &obj)
		dec := json.NewDecoder(bytes.NewReader(obj["categories"]))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			errs.Add("categories", `Expected a list of items but got type "str".`)
			return nil, false
		}
		switch v := v.(type) {
		case []any:
			raw = v
		case nil:
			errs.Add("categories", "This field may not be null.")
			return nil, false
		default:
			errs.Add("categories", `Expected a list of items but got type "`+jsonTypeName(v)+`".`)
			return nil, false
		}
	}
	ids := make([]int64, 0, len(raw))
	for _, v := range raw {
		var s string
		switch v := v.(type) {
		case string:
			s = strings.TrimSpace(v)
		case json.Number:
			s = v.String()
		default:
			errs.Add("categories", `Incorrect type. Expected pk value, received `+jsonTypeName(v)+`.`)
			return nil, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			errs.Add("categories", `Incorrect type. Expected pk value, received str.`)
			return nil, false
		}
		ids = append(ids, n)
	}
	return ids, true
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case json.Number:
		return "int"
	case bool:
		return "bool"
	case map[string]any:
		return "dict"
	case []any:
		return "list"
	case nil:
		return "NoneType"
	}
	return "object"
}

// addAddress: POST /api/admin/hhu/repairs/addresses/ {email, categories} → 201.
func (m *Repairs) addAddress(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	patch, ok, err := readAddress(c, false)
	if !ok {
		return err
	}
	a, pos, err := m.d.Commands.AddAddress(c.Request().Context(), repaircmd.AddAddress{Actor: actor(p),
		Spec: repairs.AddressSpec{Email: *patch.Email, CategoryIDs: *patch.CategoryIDs}, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, repairq.ProjectionName)
	return c.JSON(http.StatusCreated, toAddressJSON(a.ID, a.Email, a.CategoryIDs))
}

// putAddress: PUT /api/admin/hhu/repairs/addresses/{id}/ (categories absent: every category).
func (m *Repairs) putAddress(c echo.Context) error { return m.changeAddress(c, false) }

// patchAddress: PATCH /api/admin/hhu/repairs/addresses/{id}/ with some fields.
func (m *Repairs) patchAddress(c echo.Context) error { return m.changeAddress(c, true) }

func (m *Repairs) changeAddress(c echo.Context, partial bool) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	patch, ok, err := readAddress(c, partial)
	if !ok {
		return err
	}
	a, pos, err := m.d.Commands.ChangeAddress(c.Request().Context(), repaircmd.ChangeAddress{Actor: actor(p), AddressID: id,
		Patch: patch, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if errors.Is(err, repairs.ErrAddressNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, repairq.ProjectionName)
	return c.JSON(http.StatusOK, toAddressJSON(a.ID, a.Email, a.CategoryIDs))
}

// removeAddress: DELETE /api/admin/hhu/repairs/addresses/{id}/ → 204.
func (m *Repairs) removeAddress(c echo.Context) error {
	return m.kit().remove(c, repairs.ErrAddressNotFound, func(ctx context.Context, p authn.Principal, id int64, meta eventlog.Metadata) (eventlog.Position, error) {
		return m.d.Commands.RemoveAddress(ctx, repaircmd.RemoveAddress{Actor: actor(p), AddressID: id, Meta: meta})
	})
}

// request: POST /repairs/ {location, category, description} → 201 with the
// request.
func (m *Repairs) request(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	location, _ := f.Str("location", errs, false)
	category, _ := formInt(f, "category", errs, true)
	description, _ := f.Str("description", errs, false)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	res, err := m.d.Commands.RequestRepair(c.Request().Context(), repaircmd.RequestRepair{Actor: actor(p), Location: location,
		CategoryID: category, Description: description, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, repairq.ProjectionName)
	e := res.Requested
	return c.JSON(http.StatusCreated, m.toJSON(repairq.Repair{ID: e.RepairID, UserID: e.UserID, Location: e.Location,
		CategoryID: e.CategoryID, CategoryName: e.CategoryName, Description: e.Description, Status: e.Status,
		CreatedAt: e.RequestedAt, UpdatedAt: e.RequestedAt}, false, p.IsAdmin))
}

// mine: GET /repairs/ → the caller's requests, newest first.
func (m *Repairs) mine(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	uid, _ := strconv.ParseInt(p.UserID, 10, 64)
	m.d.Consistency.BeforeQuery(c, repairq.ProjectionName)
	rs, err := m.d.Queries.MyRepairs(c.Request().Context(), uid)
	if err != nil {
		return renderError(c, err)
	}
	out := make([]repairJSON, len(rs))
	for i, r := range rs {
		out[i] = m.toJSON(r, false, false)
	}
	return c.JSON(http.StatusOK, out)
}

// getMine: GET /repairs/{id}/ → one of the caller's requests (admins: any);
// another's is 404, as a DRF queryset filtered by user answers.
func (m *Repairs) getMine(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	return m.answerRepair(c, p, false)
}

// adminGet: GET /api/admin/hhu/repairs/{id}/.
func (m *Repairs) adminGet(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	return m.answerRepair(c, p, true)
}

func (m *Repairs) answerRepair(c echo.Context, p authn.Principal, admin bool) error {
	id, ok := pathID(c)
	if !ok {
		return notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, repairq.ProjectionName)
	r, err := m.d.Queries.GetRepair(c.Request().Context(), id)
	if errors.Is(err, repairq.ErrNotFound) || err == nil && !p.IsAdmin && strconv.FormatInt(r.UserID, 10) != p.UserID {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	return c.JSON(http.StatusOK, m.toJSON(r, true, admin))
}

// adminList: GET /api/admin/hhu/repairs/?status=&category=&page=&page_size=
// → a DRF page ({count, next, previous, results}) of requests, newest first.
func (m *Repairs) adminList(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	errs := drf.FieldErrors{}
	var f repairq.Filter
	if s := strings.TrimSpace(c.QueryParam("status")); s != "" {
		st, ok := repairs.ParseStatus(s)
		if !ok {
			errs.Add("status", `Select a valid choice. `+s+` is not one of the available choices.`)
		}
		f.Status = st
	}
	f.CategoryID, _ = queryInt(c, "category", errs)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	page, size := 1, 20
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return drf.Detail(c, http.StatusNotFound, "Invalid page.")
		}
		page = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			size = min(n, 100)
		}
	}
	f.Offset, f.Limit = (page-1)*size, size
	m.d.Consistency.BeforeQuery(c, repairq.ProjectionName)
	rs, total, err := m.d.Queries.ListRepairs(c.Request().Context(), f)
	if err != nil {
		return renderError(c, err)
	}
	if len(rs) == 0 && page > 1 {
		return drf.Detail(c, http.StatusNotFound, "Invalid page.")
	}
	results := make([]repairJSON, len(rs))
	for i, r := range rs {
		results[i] = m.toJSON(r, false, true)
	}
	link := func(n int) *string {
		if n < 1 || (n-1)*size >= total {
			return nil
		}
		q := c.QueryParams()
		q.Set("page", strconv.Itoa(n))
		u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: c.Request().URL.Path, RawQuery: q.Encode()}
		s := u.String()
		return &s
	}
	return c.JSON(http.StatusOK, map[string]any{"count": total, "next": link(page + 1), "previous": link(page - 1), "results": results})
}

// changeStatus: PATCH /api/admin/hhu/repairs/{id}/ {status} (a code such as
// "resolved" or a label such as "已解决") → the request with its history.
func (m *Repairs) changeStatus(c echo.Context) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	errs := drf.FieldErrors{}
	status, _ := f.Str("status", errs, false)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	res, err := m.d.Commands.ChangeStatus(c.Request().Context(), repaircmd.ChangeStatus{Actor: actor(p), RepairID: id,
		Status: status, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if errors.Is(err, repairs.ErrRepairNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, repairq.ProjectionName)
	return m.answerRepair(c, p, true)
}
