package ticketshttp

import (
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	ticketscmd "github.com/fiveapis/backend/commands/tickets"
	"github.com/fiveapis/backend/domain/tickets"
	"github.com/fiveapis/backend/queries/filters"
	ticketsq "github.com/fiveapis/backend/queries/tickets"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/magpie"
)

func notFound(err error) error {
	if errors.Is(err, ticketsq.ErrNotFound) {
		return magpie.ErrNotFound
	}
	return err
}

// list answers a page of rows rendered one by one.
func list[T any](c echo.Context, p filters.Page, rows []T, total int, obj func(T) (map[string]any, error)) error {
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		o, err := obj(r)
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	return c.JSON(http.StatusOK, magpie.NewList(c, p, total, out))
}

func plain[T any](f func(T) map[string]any) func(T) (map[string]any, error) {
	return func(v T) (map[string]any, error) { return f(v), nil }
}

// Comments (意見).

var commentFields = magpie.Fields{
	"id":          {Type: magpie.Int, Ops: magpie.IDOps},
	"ticket":      {Type: magpie.Ref, Resource: "ticket", Ops: magpie.RefOps},
	"author":      {Type: magpie.Ref, Resource: "auth/user", Ops: magpie.RefOps},
	"create_time": {Type: magpie.Time, Ops: magpie.TimeOps},
}

// listComments: GET /api/lastest/comment/?ticket=… — comments on tickets
// the caller sees, oldest first.
func (h *Handlers) listComments(c echo.Context) error {
	p, err := magpie.ParseList(c, commentFields, []string{"id", "create_time"})
	if err != nil {
		return err
	}
	cs, total, err := h.d.Queries.ListComments(c.Request().Context(), viewer(c), p)
	if err != nil {
		return err
	}
	return list(c, p, cs, total, h.render(c).comment)
}

func (h *Handlers) getComment(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	cm, err := h.d.Queries.GetComment(c.Request().Context(), viewer(c), id)
	if err != nil {
		return notFound(err)
	}
	o, err := h.render(c).comment(cm)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// createComment: POST /api/lastest/comment/ {ticket, content} — by the
// ticket's creator or officials while can_comment is true.
func (h *Handlers) createComment(c echo.Context) error {
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	ticket, err := b.Ref("ticket", "ticket")
	if err != nil {
		return err
	}
	if ticket == nil || *ticket == 0 {
		return magpie.BadRequest{Field: "ticket", Message: "This field is required."}
	}
	content, err := b.Str("content")
	if err != nil {
		return err
	}
	if content == nil {
		return magpie.BadRequest{Field: "content", Message: "This field is required."}
	}
	res, err := h.d.Commands.AddComment(c.Request().Context(), ticketscmd.AddComment{Actor: httpapi.Actor(c), TicketID: *ticket,
		Content: *content, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if errors.Is(err, tickets.ErrTicketNotFound) {
		return magpie.BadRequest{Field: "ticket", Message: "Invalid resource: no such ticket."}
	}
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	cm, err := h.d.Queries.GetComment(c.Request().Context(), viewer(c), res.Comment.CommentID)
	if err != nil {
		return err
	}
	o, err := h.render(c).comment(cm)
	if err != nil {
		return err
	}
	return magpie.Created(c, magpie.URI("comment", cm.ID), o)
}

// Places and clusters: everyone reads them, the admin adds them.

var areaFields = magpie.Fields{
	"id":     {Type: magpie.Int, Ops: magpie.IDOps},
	"name":   {Type: magpie.Text, Ops: magpie.TextOps},
	"kind":   {Type: magpie.Text, Ops: []string{filters.In}},
	"parent": {Type: magpie.Ref, Resource: "area", Ops: magpie.RefOps},
}

func (h *Handlers) listAreas(c echo.Context) error {
	p, err := magpie.ParseList(c, areaFields, []string{"id", "name"})
	if err != nil {
		return err
	}
	as, total, err := h.d.Queries.ListAreas(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return list(c, p, as, total, plain(areaObject))
}

func (h *Handlers) getArea(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := h.d.Queries.GetArea(c.Request().Context(), id)
	if err != nil {
		return notFound(err)
	}
	return c.JSON(http.StatusOK, areaObject(a))
}

// createArea: POST /api/lastest/area/ {name, kind: area|village, parent}
// (admin).
func (h *Handlers) createArea(c echo.Context) error {
	if !httpapi.Actor(c).Admin {
		return magpie.ErrUnauthorized
	}
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	name, err1 := b.Str("name")
	kind, err2 := b.Str("kind")
	parent, err3 := b.Ref("parent", "area")
	if err := errors.Join(err1, err2, err3); err != nil {
		return firstBad(err)
	}
	if name == nil {
		return magpie.BadRequest{Field: "name", Message: "This field is required."}
	}
	k := tickets.PlaceVillage
	if kind != nil {
		k = *kind
	}
	var pid int64
	if parent != nil {
		pid = *parent
	}
	res, err := h.d.Commands.AddArea(c.Request().Context(), ticketscmd.AddArea{Actor: httpapi.Actor(c), Name: *name, Kind: k,
		ParentID: pid, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	a, err := h.d.Queries.GetArea(c.Request().Context(), res.Area.AreaID)
	if err != nil {
		return err
	}
	return magpie.Created(c, magpie.URI("area", a.ID), areaObject(a))
}

// patchArea: PATCH /api/lastest/area/{id}/ {name} (admin).
func (h *Handlers) patchArea(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if !httpapi.Actor(c).Admin {
		return magpie.ErrUnauthorized
	}
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	name, err := b.Str("name")
	if err != nil {
		return err
	}
	if name != nil {
		if _, err := h.d.Commands.RenameArea(c.Request().Context(), ticketscmd.RenameArea{Actor: httpapi.Actor(c), AreaID: id,
			Name: *name, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
			return err
		}
		httpapi.Settle(c)
	}
	a, err := h.d.Queries.GetArea(c.Request().Context(), id)
	if err != nil {
		return notFound(err)
	}
	return magpie.Accepted(c, areaObject(a))
}

var clusterFields = magpie.Fields{
	"id":   {Type: magpie.Int, Ops: magpie.IDOps},
	"name": {Type: magpie.Text, Ops: magpie.TextOps},
	"slag": {Type: magpie.Text, Ops: magpie.TextOps},
}

func (h *Handlers) listClusters(c echo.Context) error {
	p, err := magpie.ParseList(c, clusterFields, []string{"id", "name"})
	if err != nil {
		return err
	}
	cs, total, err := h.d.Queries.ListClusters(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return list(c, p, cs, total, plain(clusterObject))
}

func (h *Handlers) getCluster(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	cl, err := h.d.Queries.GetCluster(c.Request().Context(), id)
	if err != nil {
		return notFound(err)
	}
	return c.JSON(http.StatusOK, clusterObject(cl))
}

// createCluster: POST /api/lastest/cluster/ {name, slag} (admin).
func (h *Handlers) createCluster(c echo.Context) error {
	if !httpapi.Actor(c).Admin {
		return magpie.ErrUnauthorized
	}
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	name, err1 := b.Str("name")
	slag, err2 := b.Str("slag")
	if err := errors.Join(err1, err2); err != nil {
		return firstBad(err)
	}
	if name == nil {
		return magpie.BadRequest{Field: "name", Message: "This field is required."}
	}
	var s string
	if slag != nil {
		s = *slag
	}
	res, err := h.d.Commands.AddCluster(c.Request().Context(), ticketscmd.AddCluster{Actor: httpapi.Actor(c), Name: *name, Slag: s,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	cl, err := h.d.Queries.GetCluster(c.Request().Context(), res.Cluster.ClusterID)
	if err != nil {
		return err
	}
	return magpie.Created(c, magpie.URI("cluster", cl.ID), clusterObject(cl))
}

// Roles (Casting).

var roleFields = magpie.Fields{
	"id":        {Type: magpie.Int, Ops: magpie.IDOps},
	"user":      {Type: magpie.Ref, Resource: "auth/user", Ops: magpie.RefOps},
	"casting":   {Type: magpie.Text, Ops: []string{filters.In}},
	"area":      {Type: magpie.Ref, Resource: "area", Ops: magpie.RefOps},
	"is_active": {Type: magpie.Bool},
}

// listRoles: GET /api/lastest/role/ — every role to admins, one's own to
// others.
func (h *Handlers) listRoles(c echo.Context) error {
	p, err := magpie.ParseList(c, roleFields, []string{"id", "create_time"})
	if err != nil {
		return err
	}
	rs, total, err := h.d.Queries.ListRoles(c.Request().Context(), viewer(c), p)
	if err != nil {
		return err
	}
	return list(c, p, rs, total, h.render(c).role)
}

func (h *Handlers) getRole(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ro, err := h.d.Queries.GetRole(c.Request().Context(), viewer(c), id)
	if err != nil {
		return notFound(err)
	}
	o, err := h.render(c).role(ro)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// activateRole: PATCH (or POST) /api/lastest/role/ {user, casting, area}
// (admin) — casting is 村里長, 村里幹事, 代表 or 議員 (or chief, officer,
// representative, councillor); 201 with a new role, 202 with the role the
// user already held.
func (h *Handlers) activateRole(c echo.Context) error {
	if !httpapi.Actor(c).Admin {
		return magpie.ErrUnauthorized
	}
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	user, err1 := b.Ref("user", "auth/user")
	casting, err2 := b.Str("casting")
	area, err3 := b.Ref("area", "area")
	if err := errors.Join(err1, err2, err3); err != nil {
		return firstBad(err)
	}
	switch {
	case user == nil || *user == 0:
		return magpie.BadRequest{Field: "user", Message: "This field is required."}
	case casting == nil:
		return magpie.BadRequest{Field: "casting", Message: "This field is required."}
	case area == nil || *area == 0:
		return magpie.BadRequest{Field: "area", Message: "This field is required."}
	}
	if _, err := h.d.Users.UserByID(c.Request().Context(), identityUser(*user)); err != nil {
		return magpie.BadRequest{Field: "user", Message: "Invalid resource: no such user."}
	}
	res, err := h.d.Commands.ActivateRole(c.Request().Context(), ticketscmd.ActivateRole{Actor: httpapi.Actor(c), UserID: *user,
		Casting: *casting, AreaID: *area, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	ro, err := h.d.Queries.GetRole(c.Request().Context(), viewer(c), res.Role.RoleID)
	if err != nil {
		return err
	}
	o, err := h.render(c).role(ro)
	if err != nil {
		return err
	}
	if res.Activated {
		return magpie.Created(c, magpie.URI("role", ro.ID), o)
	}
	return magpie.Accepted(c, o)
}

// patchRole: PATCH /api/lastest/role/{id}/ {is_active: false} revokes the
// role (admin); {is_active: true} activates the same casting again.
func (h *Handlers) patchRole(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	actor := httpapi.Actor(c)
	if !actor.Admin {
		return magpie.ErrUnauthorized
	}
	ro, err := h.d.Queries.GetRole(c.Request().Context(), viewer(c), id)
	if err != nil {
		return notFound(err)
	}
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	active, err := b.Bool("is_active")
	if err != nil {
		return err
	}
	if active == nil {
		return magpie.BadRequest{Field: "is_active", Message: "This field is required."}
	}
	meta := httpapi.EventMeta(c, h.d.Clock.Now())
	if *active {
		res, err := h.d.Commands.ActivateRole(c.Request().Context(), ticketscmd.ActivateRole{Actor: actor, UserID: ro.UserID,
			Casting: ro.Casting, AreaID: ro.AreaID, Meta: meta})
		if err != nil {
			return err
		}
		id = res.Role.RoleID
	} else if _, err := h.d.Commands.RevokeRole(c.Request().Context(), ticketscmd.RevokeRole{Actor: actor, UserID: ro.UserID,
		RoleID: id, Meta: meta}); err != nil {
		return err
	}
	httpapi.Settle(c)
	if ro, err = h.d.Queries.GetRole(c.Request().Context(), viewer(c), id); err != nil {
		return err
	}
	o, err := h.render(c).role(ro)
	if err != nil {
		return err
	}
	return magpie.Accepted(c, o)
}

// Options (ho600_lib) and the storage domain: fixed.

func (h *Handlers) listOptions(c echo.Context) error {
	p, err := magpie.ParseList(c, magpie.Fields{"id": {Type: magpie.Int, Ops: magpie.IDOps},
		"swarm": {Type: magpie.Text, Ops: []string{filters.In}}, "value": {Type: magpie.Text, Ops: []string{filters.In}}}, []string{"id"})
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, o := range tickets.Options {
		if matches(o, p.Conds) {
			out = append(out, optionObject(o))
		}
	}
	total := len(out)
	out = out[min(p.Offset, total):min(p.Offset+p.Limit, total)]
	return c.JSON(http.StatusOK, magpie.NewList(c, p, total, out))
}

func matches(o tickets.Option, conds []filters.Cond) bool {
	for _, c := range conds {
		var v any
		switch c.Field {
		case "id":
			v = o.ID
		case "swarm":
			v = o.Swarm
		case "value":
			v = o.Value
		}
		switch c.Op {
		case filters.Exact, filters.In:
			if !slices.Contains(c.Values, v) {
				return false
			}
		case filters.Gt, filters.Gte, filters.Lt, filters.Lte:
			n, m := o.ID, c.Values[0].(int64)
			if !map[string]bool{filters.Gt: n > m, filters.Gte: n >= m, filters.Lt: n < m, filters.Lte: n <= m}[c.Op] {
				return false
			}
		}
	}
	return true
}

func (h *Handlers) getOption(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	o, ok := tickets.OptionByID(id)
	if !ok {
		return magpie.ErrNotFound
	}
	return c.JSON(http.StatusOK, optionObject(o))
}

func (h *Handlers) listDomains(c echo.Context) error {
	p, err := magpie.ParseList(c, magpie.Fields{}, nil)
	if err != nil {
		return err
	}
	out := []map[string]any{h.render(c).domain()}
	return c.JSON(http.StatusOK, magpie.NewList(c, p, 1, out[min(p.Offset, 1):]))
}

func (h *Handlers) getDomain(c echo.Context) error {
	if id, err := pathID(c); err != nil || id != 1 {
		return magpie.ErrNotFound
	}
	return c.JSON(http.StatusOK, h.render(c).domain())
}
