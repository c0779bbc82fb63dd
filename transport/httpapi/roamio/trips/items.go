package tripshttp

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	tripscmd "github.com/fiveapis/backend/commands/trips"
	"github.com/fiveapis/backend/domain/trips"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// readItem reads an item's fields as a patch (absent: nil).
func readItem(b body) (trips.ItemPatch, error) {
	errs := drf.FieldErrors{}
	p := trips.ItemPatch{Title: b.str("title", errs), Description: b.str("description", errs), EventTime: b.eventTime(errs),
		Location: b.location(errs), Reminder: b.object("reminder", errs)}
	return p, errs.Err()
}

// newItem is an item from a patch (absent fields empty).
func newItem(p trips.ItemPatch) trips.Item {
	var it trips.Item
	if p.Title != nil {
		it.Title = *p.Title
	}
	if p.Description != nil {
		it.Description = *p.Description
	}
	if p.EventTime != nil {
		it.EventTime = *p.EventTime
	}
	if p.Location != nil {
		it.Location = *p.Location
	}
	if p.Reminder != nil {
		it.Reminder = *p.Reminder
	}
	return it
}

func itemParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("eid"), 10, 64)
	if err != nil || id < 1 {
		return 0, trips.ErrEventNotFound
	}
	return id, nil
}

// listItems: GET /trip-plans/{id}/events/ → the trip's items (a visible
// trip's), by time.
func (h *Handlers) listItems(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	items, err := h.d.Queries.Items(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	out := make([]itemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, renderItem(it))
	}
	return c.JSON(http.StatusOK, out)
}

// addedJSON renders new items from their events.
func addedJSON(added []trips.TripEventAdded) []itemJSON {
	out := make([]itemJSON, 0, len(added))
	for _, e := range added {
		out = append(out, renderItem(tripsq.Item{ID: e.EventID, TripID: e.TripID, Title: e.Title, Description: e.Description,
			EventTime: e.EventTime, Location: objectJSON(e.Location), Reminder: objectJSON(e.Reminder), CreatedAt: e.AddedAt,
			UpdatedAt: e.AddedAt}))
	}
	return out
}

// addItem: POST /trip-plans/{id}/events/ → 201 with the item (others than
// the author: 403).
func (h *Handlers) addItem(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	p, err := readItem(b)
	if err != nil {
		return err
	}
	if p.Title == nil {
		return drf.FieldErrors{"title": {"This field is required."}}
	}
	res, err := h.d.Commands.AddItems(c.Request().Context(), tripscmd.AddItems{Actor: httpapi.Actor(c), TripID: t.ID,
		Items: []trips.Item{newItem(p)}, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, addedJSON(res.Added)[0])
}

// batchItems: POST /trip-plans/{id}/events/batch_create_from_local/
// {events: [...]} → 201 {count, events}: the editor's items kept in the
// browser, added in one append.
func (h *Handlers) batchItems(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b["events"], &raws); err != nil || !b.has("events") {
		return drf.FieldErrors{"events": {"Expected a list of items."}}
	}
	if len(raws) > trips.MaxItems {
		return trips.ErrTooManyItems
	}
	items := make([]trips.Item, 0, len(raws))
	errs := drf.FieldErrors{}
	for i, raw := range raws {
		var ib body
		if err := json.Unmarshal(raw, &ib); err != nil || ib == nil {
			errs.Add("events["+strconv.Itoa(i)+"]", "Expected a JSON object.")
			continue
		}
		p, err := readItem(ib)
		if err != nil {
			var fe drf.FieldErrors
			if errors.As(err, &fe) {
				for k, ms := range fe {
					for _, m := range ms {
						errs.Add("events["+strconv.Itoa(i)+"]."+k, m)
					}
				}
			}
			continue
		}
		items = append(items, newItem(p))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.AddItems(c.Request().Context(), tripscmd.AddItems{Actor: httpapi.Actor(c), TripID: t.ID,
		Items: items, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	events := addedJSON(res.Added)
	return c.JSON(http.StatusCreated, map[string]any{"success": true, "count": len(events), "events": events})
}

// itemOf reads one item of the path's trip, only for its author and
// admins (others: 404, as the author's queryset answers).
func (h *Handlers) itemOf(c echo.Context) (tripsq.Trip, int64, error) {
	t, err := h.tripParam(c)
	if err != nil {
		return t, 0, err
	}
	id, err := itemParam(c)
	if err != nil {
		return t, 0, err
	}
	return t, id, nil
}

// getItem: GET /trip-plans/{id}/events/{eid}/.
func (h *Handlers) getItem(c echo.Context) error {
	t, id, err := h.itemOf(c)
	if err != nil {
		return err
	}
	it, err := h.d.Queries.ItemByID(c.Request().Context(), t.ID, id)
	if errors.Is(err, tripsq.ErrNotFound) {
		return trips.ErrEventNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderItem(it))
}

// changeItem: PUT|PATCH /trip-plans/{id}/events/{eid}/ → the item.
func (h *Handlers) changeItem(c echo.Context) error {
	t, id, err := h.itemOf(c)
	if err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	p, err := readItem(b)
	if err != nil {
		return err
	}
	res, err := h.d.Commands.ChangeItem(c.Request().Context(), tripscmd.ChangeItem{Actor: httpapi.Actor(c), TripID: t.ID,
		EventID: id, Patch: p, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return h.answerItem(c, t.ID, id, res)
}

func (h *Handlers) answerItem(c echo.Context, tripID, id int64, res tripscmd.ItemResult) error {
	httpapi.Settle(c)
	it, err := h.d.Queries.ItemByID(c.Request().Context(), tripID, id)
	if err != nil {
		// Removed meanwhile: answer what the command saw.
		now := h.d.Clock.Now()
		it = tripsq.Item{ID: id, TripID: tripID, Title: res.Item.Title, Description: res.Item.Description,
			EventTime: res.Item.EventTime, Location: objectJSON(res.Item.Location), Reminder: objectJSON(res.Item.Reminder),
			Completed: res.Completed, CreatedAt: now, UpdatedAt: now}
	}
	return c.JSON(http.StatusOK, renderItem(it))
}

// removeItem: DELETE /trip-plans/{id}/events/{eid}/ → 204.
func (h *Handlers) removeItem(c echo.Context) error {
	t, id, err := h.itemOf(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.RemoveItem(c.Request().Context(), tripscmd.RemoveItem{Actor: httpapi.Actor(c), TripID: t.ID,
		EventID: id, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// toggleItem: POST /trip-plans/{id}/events/{eid}/toggle_complete/ → the
// item with status and is_completed.
func (h *Handlers) toggleItem(c echo.Context) error {
	t, id, err := h.itemOf(c)
	if err != nil {
		return err
	}
	res, err := h.d.Commands.ToggleItem(c.Request().Context(), tripscmd.ToggleItem{Actor: httpapi.Actor(c), TripID: t.ID,
		EventID: id, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return h.answerItem(c, t.ID, id, res)
}
