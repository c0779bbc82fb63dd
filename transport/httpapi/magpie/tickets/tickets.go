package ticketshttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	ticketscmd "github.com/fiveapis/backend/commands/tickets"
	"github.com/fiveapis/backend/domain/tickets"
	"github.com/fiveapis/backend/queries/filters"
	ticketsq "github.com/fiveapis/backend/queries/tickets"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/magpie"
)

// ticketFields are the ticket list's filters (query_string).
var ticketFields = magpie.Fields{
	"id":             {Type: magpie.Int, Ops: magpie.IDOps},
	"status":         {Type: magpie.Ref, Resource: "ho600_lib/option", Ops: magpie.RefOps},
	"kind":           {Type: magpie.Ref, Resource: "ho600_lib/option", Ops: magpie.RefOps},
	"village":        {Type: magpie.Ref, Resource: "area", Ops: magpie.RefOps},
	"area":           {Type: magpie.Ref, Resource: "area", Ops: magpie.RefOps},
	"cluster":        {Type: magpie.Ref, Resource: "cluster", Ops: magpie.RefOps},
	"creator":        {Type: magpie.Ref, Resource: "auth/user", Ops: magpie.RefOps},
	"operator":       {Type: magpie.Ref, Resource: "auth/user", Ops: magpie.RefOps},
	"principal":      {Type: magpie.Ref, Resource: "auth/user", Ops: magpie.RefOps},
	"is_public":      {Type: magpie.Bool},
	"is_suspend":     {Type: magpie.Bool},
	"can_comment":    {Type: magpie.Bool},
	"in_working":     {Type: magpie.Bool},
	"create_time":    {Type: magpie.Time, Ops: magpie.TimeOps},
	"update_time":    {Type: magpie.Time, Ops: magpie.TimeOps},
	"inspected_time": {Type: magpie.Time, Ops: magpie.TimeOps},
	"title":          {Type: magpie.Text, Ops: magpie.TextOps},
	"content":        {Type: magpie.Text, Ops: magpie.TextOps},
	"mail_key":       {Type: magpie.Text, Ops: magpie.TextOps},
}

var ticketOrdering = []string{"id", "status", "create_time", "update_time", "inspected_time", "village", "area"}

// pathID reads the path's id; anything but a positive integer is 404.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, magpie.ErrNotFound
	}
	return id, nil
}

// listTickets: GET /api/lastest/ticket/ — the caller's scope first, then
// the query_string's filters, newest first unless order_by says.
func (h *Handlers) listTickets(c echo.Context) error {
	p, err := magpie.ParseList(c, ticketFields, ticketOrdering)
	if err != nil {
		return err
	}
	if len(p.Order) == 0 {
		p.Order = []filters.Order{{Field: "create_time", Desc: true}}
	}
	ts, total, err := h.d.Queries.ListTickets(c.Request().Context(), viewer(c), p)
	if err != nil {
		return err
	}
	r := h.render(c)
	objects := make([]map[string]any, 0, len(ts))
	for _, t := range ts {
		o, err := r.ticket(t)
		if err != nil {
			return err
		}
		objects = append(objects, o)
	}
	return c.JSON(http.StatusOK, magpie.NewList(c, p, total, objects))
}

func (h *Handlers) answerTicket(c echo.Context, id int64, status int) error {
	t, err := h.d.Queries.GetTicket(c.Request().Context(), viewer(c), id)
	if errors.Is(err, ticketsq.ErrNotFound) {
		return magpie.ErrNotFound
	}
	if err != nil {
		return err
	}
	o, err := h.render(c).ticket(t)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		return magpie.Created(c, magpie.URI("ticket", id), o)
	}
	return c.JSON(status, o)
}

// getTicket: GET /api/lastest/ticket/{id}/ (outside the scope: 404).
func (h *Handlers) getTicket(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return h.answerTicket(c, id, http.StatusOK)
}

// newFiles reads pictures or tapes: a count, or a list of extensions,
// file names or objects {"ext": …} / {"name": …}.
func newFiles(b magpie.Body, field, role, defaultExt string) ([]tickets.NewFile, error) {
	raw, ok := b[field]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	bad := magpie.BadRequest{Field: field, Message: "A count or a list of files ({\"ext\": \"" + defaultExt + "\"}) is required."}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		if n < 0 || n > 100 {
			return nil, bad
		}
		out := make([]tickets.NewFile, n)
		for i := range out {
			out[i] = tickets.NewFile{Role: role, Ext: defaultExt}
		}
		return out, nil
	}
	var items []any
	if err := json.Unmarshal(raw, &items); err != nil || len(items) > 100 {
		return nil, bad
	}
	out := make([]tickets.NewFile, 0, len(items))
	for _, it := range items {
		var s string
		switch it := it.(type) {
		case string:
			s = it
		case map[string]any:
			if e, ok := it["ext"].(string); ok {
				s = e
			} else if n, ok := it["name"].(string); ok {
				s = n
			}
		}
		if i := strings.LastIndexByte(s, '.'); i >= 0 {
			s = s[i+1:]
		}
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			s = defaultExt
		}
		out = append(out, tickets.NewFile{Role: role, Ext: s})
	}
	return out, nil
}

// createTicket: POST /api/lastest/ticket/ with the seed example's fields;
// the caller is the creator (and first operator); files announced in
// pictures and tapes (or recordings) come back with their upload URLs.
func (h *Handlers) createTicket(c echo.Context) error {
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	var t tickets.NewTicket
	title, err1 := b.Str("title")
	content, err2 := b.Str("content")
	tape, err3 := b.Str("tape_content")
	lat, err4 := b.Float("latitude")
	lon, err5 := b.Float("longitude")
	village, err6 := b.Ref("village", "area")
	cluster, err7 := b.Ref("cluster", "cluster")
	kind, err8 := b.Ref("kind", "ho600_lib/option")
	status, err9 := b.Ref("status", "ho600_lib/option")
	public, err10 := b.Bool("is_public")
	main, err11 := b.Int("main_picture")
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7, err8, err9, err10, err11); err != nil {
		return firstBad(err)
	}
	if village == nil || *village == 0 {
		return magpie.BadRequest{Field: "village", Message: "This field is required."}
	}
	pictures, err := newFiles(b, "pictures", tickets.FilePicture, "jpg")
	if err != nil {
		return err
	}
	tapeField := "tapes"
	if !b.Has(tapeField) {
		tapeField = "recordings"
	}
	tapes, err := newFiles(b, tapeField, tickets.FileTape, "m4a")
	if err != nil {
		return err
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	t.Title, t.Content, t.TapeContent = deref(title), deref(content), deref(tape)
	if lat != nil {
		t.Latitude = *lat
	}
	if lon != nil {
		t.Longitude = *lon
	}
	t.VillageID = *village
	if cluster != nil {
		t.ClusterID = *cluster
	}
	if kind != nil {
		t.Kind = *kind
	}
	if status != nil {
		t.Status = *status
	}
	t.IsPublic = public != nil && *public
	if main != nil {
		if *main < -1 || *main > 100 {
			return magpie.BadRequest{Field: "main_picture", Message: "The index of a picture is required."}
		}
		t.MainPicture = int(*main)
	}
	res, err := h.d.Commands.CreateTicket(c.Request().Context(), ticketscmd.CreateTicket{Actor: httpapi.Actor(c), Ticket: t,
		Files: append(pictures, tapes...), Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	return h.answerTicket(c, res.Created.TicketID, http.StatusCreated)
}

// firstBad is the first field error of a joined set.
func firstBad(err error) error {
	var bad magpie.BadRequest
	if errors.As(err, &bad) {
		return bad
	}
	return err
}

// patchTicket: PATCH /api/lastest/ticket/{id}/ — the fields each role may
// change (docs/magpie.md); 202 with the ticket.
func (h *Handlers) patchTicket(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	var p tickets.Patch
	var errs [13]error
	p.Title, errs[0] = b.Str("title")
	p.Content, errs[1] = b.Str("content")
	p.TapeContent, errs[2] = b.Str("tape_content")
	p.Latitude, errs[3] = b.Float("latitude")
	p.Longitude, errs[4] = b.Float("longitude")
	p.IsPublic, errs[5] = b.Bool("is_public")
	p.MainPicture, errs[6] = b.Ref("main_picture", "file")
	p.Status, errs[7] = b.Ref("status", "ho600_lib/option")
	p.CanComment, errs[8] = b.Bool("can_comment")
	p.IsSuspend, errs[9] = b.Bool("is_suspend")
	p.Kind, errs[10] = b.Ref("kind", "ho600_lib/option")
	p.ClusterID, errs[11] = b.Ref("cluster", "cluster")
	p.PrincipalID, errs[12] = b.Ref("principal", "auth/user")
	if err := errors.Join(errs[:]...); err != nil {
		return firstBad(err)
	}
	// Read-only fields (creator, mail_key, pictures …) are ignored, as
	// tastypie ignores them: a client may PATCH back what it read.
	if _, err := h.d.Commands.UpdateTicket(c.Request().Context(), ticketscmd.UpdateTicket{Actor: httpapi.Actor(c), TicketID: id,
		Patch: p, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	httpapi.Settle(c)
	return h.answerTicket(c, id, http.StatusAccepted)
}
