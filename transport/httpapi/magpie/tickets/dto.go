package ticketshttp

import (
	"context"
	"errors"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/tickets"
	identityq "github.com/fiveapis/backend/queries/identity"
	ticketsq "github.com/fiveapis/backend/queries/tickets"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/magpie"
)

// Errors of the storage port.
var (
	ErrObjectMissing  = errors.New("ticketshttp: object not in storage")
	ErrObjectTooLarge = errors.New("ticketshttp: object too large")
)

// viewer is the caller as the queries scope them.
func viewer(c echo.Context) ticketsq.Viewer {
	a := httpapi.Actor(c)
	return ticketsq.Viewer{UserID: a.UserID, Admin: a.Admin}
}

// render renders the objects of one answer, looking each user up once.
type render struct {
	h     *Handlers
	c     echo.Context
	v     ticketsq.Viewer
	users map[int64]any
	areas map[int64]any
	clus  map[int64]any
}

func (h *Handlers) render(c echo.Context) *render {
	return &render{h: h, c: c, v: viewer(c), users: map[int64]any{}, areas: map[int64]any{}, clus: map[int64]any{}}
}

func (r *render) ctx() context.Context { return r.c.Request().Context() }

// user is a user object, or nil for 0 or a user that is gone.
func (r *render) user(id int64) (any, error) {
	if id == 0 {
		return nil, nil
	}
	if u, ok := r.users[id]; ok {
		return u, nil
	}
	u, err := r.h.d.Users.UserByID(r.ctx(), identityq.UserByID{ID: id})
	var out any
	switch {
	case errors.Is(err, identityq.ErrNotFound):
		out = nil
	case err != nil:
		return nil, err
	default:
		out = magpie.UserObject(u)
	}
	r.users[id] = out
	return out, nil
}

// absolute makes a URL of this server absolute.
func (r *render) absolute(u string) string {
	if !strings.HasPrefix(u, "/") {
		return u
	}
	if base := strings.TrimSuffix(r.h.d.PublicURL, "/"); base != "" {
		return base + u
	}
	return r.c.Scheme() + "://" + r.c.Request().Host + u
}

func areaRef(a ticketsq.Area) map[string]any {
	return map[string]any{"id": a.ID, "name": a.Name, "resource_uri": magpie.URI("area", a.ID)}
}

func areaObject(a ticketsq.Area) map[string]any {
	return map[string]any{"id": a.ID, "name": a.Name, "kind": a.Kind, "parent": magpie.NullURI("area", a.ParentID),
		"create_time": magpie.FormatTime(a.CreatedAt), "update_time": magpie.FormatTime(a.UpdatedAt),
		"resource_uri": magpie.URI("area", a.ID)}
}

func clusterObject(c ticketsq.Cluster) map[string]any {
	t := magpie.FormatTime(c.CreatedAt)
	return map[string]any{"id": c.ID, "name": c.Name, "slag": c.Slag, "is_suspend": false, "create_time": t, "update_time": t,
		"resource_uri": magpie.URI("cluster", c.ID)}
}

func optionObject(o tickets.Option) map[string]any {
	return map[string]any{"id": o.ID, "swarm": o.Swarm, "value": o.Value, "resource_uri": magpie.URI("ho600_lib/option", o.ID)}
}

func optionRef(id int64) any {
	if o, ok := tickets.OptionByID(id); ok {
		return optionObject(o)
	}
	return nil
}

func (r *render) domain() map[string]any {
	l := r.h.d.Storage.Location()
	if l.Location == "" {
		// the server's own storage: this host
		base := r.absolute("/")
		proto, rest, _ := strings.Cut(strings.TrimSuffix(base, "/"), "://")
		host, port, ok := strings.Cut(rest, ":")
		if !ok {
			port = map[string]string{"https": "443"}[proto]
			if port == "" {
				port = "80"
			}
		}
		l.Protocol, l.Location, l.Port = proto, host, port
	}
	return map[string]any{"id": 1, "name": l.Name, "protocol": l.Protocol, "location": l.Location, "port": l.Port,
		"prefix": l.Prefix, "resource_uri": magpie.URI("domain", 1)}
}

// file is a file object: its authentication_absolute_url is a presigned
// PUT while the ticket's creator has not reported save_done, a presigned
// GET afterwards.
func (r *render) file(f ticketsq.File) (map[string]any, error) {
	var (
		u   string
		err error
	)
	if f.Saved {
		u, err = r.h.d.Storage.PresignGet(r.ctx(), f.Key, r.h.d.URLTTL)
	} else {
		u, err = r.h.d.Storage.PresignPut(r.ctx(), f.Key, r.h.d.URLTTL)
	}
	if err != nil {
		return nil, err
	}
	dir, _, _ := strings.Cut(f.Key, "/"+f.Name+".")
	return map[string]any{"id": f.ID, "authentication_absolute_url": r.absolute(u), "create_time": magpie.FormatTime(f.CreatedAt),
		"update_time": magpie.FormatTime(f.UpdatedAt), "domain": r.domain(), "ext": f.Ext, "extra_attrs": "", "has_thumb": false,
		"is_suspend": false, "name": f.Name, "note": "", "resource_uri": magpie.URI("file", f.ID), "save_done": f.Saved,
		"size": f.Size, "url_dir": dir, "ticket": magpie.URI("ticket", f.TicketID), "role": f.Role}, nil
}

// ticket is a ticket object as the seed's example shows it.
func (r *render) ticket(t ticketsq.Ticket) (map[string]any, error) {
	creator, err := r.user(t.CreatorID)
	if err != nil {
		return nil, err
	}
	operator, err := r.user(t.OperatorID)
	if err != nil {
		return nil, err
	}
	principal, err := r.user(t.PrincipalID)
	if err != nil {
		return nil, err
	}
	pictures, tapes := []any{}, []any{}
	var main any
	for _, f := range t.Files {
		o, err := r.file(f)
		if err != nil {
			return nil, err
		}
		if f.Role == tickets.FileTape {
			tapes = append(tapes, o)
			continue
		}
		pictures = append(pictures, o)
		if f.ID == t.MainPictureID {
			main = magpie.URI("file", f.ID)
		}
	}
	village, area, cluster := r.area(t.VillageID), r.area(t.AreaID), r.cluster(t.ClusterID)
	var inspected any
	if t.InspectedAt != nil {
		inspected = magpie.FormatTime(*t.InspectedAt)
	}
	return map[string]any{
		"id": t.ID, "resource_uri": magpie.URI("ticket", t.ID), "title": t.Title, "content": t.Content,
		"tape_content": t.TapeContent, "latitude": t.Latitude, "longitude": t.Longitude, "village": village, "area": area,
		"cluster": cluster, "kind": optionRef(t.Kind), "status": optionRef(t.Status), "is_public": t.IsPublic,
		"can_comment": t.CanComment, "is_suspend": t.IsSuspend, "in_working": tickets.InWorking(t.Status),
		"inspected_time": inspected, "mail_key": t.MailKey, "main_picture": main, "pictures": pictures, "tapes": tapes,
		"creator": creator, "operator": operator, "principal": principal,
		"create_time": magpie.FormatTime(t.CreatedAt), "update_time": magpie.FormatTime(t.UpdatedAt),
	}, nil
}

// area is a place's reference, looked up once per answer (nil: none).
func (r *render) area(id int64) any {
	if a, ok := r.areas[id]; ok {
		return a
	}
	var out any
	if a, err := r.h.d.Queries.GetArea(r.ctx(), id); err == nil {
		out = areaRef(a)
	}
	r.areas[id] = out
	return out
}

// cluster is a cluster object, looked up once per answer (nil: none).
func (r *render) cluster(id int64) any {
	if c, ok := r.clus[id]; ok || id == 0 {
		return c
	}
	var out any
	if c, err := r.h.d.Queries.GetCluster(r.ctx(), id); err == nil {
		out = clusterObject(c)
	}
	r.clus[id] = out
	return out
}

func (r *render) comment(c ticketsq.Comment) (map[string]any, error) {
	author, err := r.user(c.AuthorID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": c.ID, "ticket": magpie.URI("ticket", c.TicketID), "author": author, "content": c.Content,
		"create_time": magpie.FormatTime(c.CreatedAt), "resource_uri": magpie.URI("comment", c.ID)}, nil
}

func (r *render) role(ro ticketsq.Role) (map[string]any, error) {
	u, err := r.user(ro.UserID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": ro.ID, "user": u, "casting": ro.Casting, "casting_name": tickets.CastingName(ro.Casting),
		"area": magpie.URI("area", ro.AreaID), "is_active": ro.Active, "create_time": magpie.FormatTime(ro.CreatedAt),
		"update_time": magpie.FormatTime(ro.UpdatedAt), "resource_uri": magpie.URI("role", ro.ID)}, nil
}

func identityUser(id int64) identityq.UserByID { return identityq.UserByID{ID: id} }
