package ralendarlinkhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	ralendarlinkcmd "github.com/fiveapis/backend/commands/ralendarlink"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/ralendarlink"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// withAccount calls the caller's default account with its access token:
// an access token past its expiry is refreshed first, and an answer 401 is
// answered by one refresh and the call again. A refresh token the other
// side refuses is recorded (is_token_expired) and answered TOKEN_EXPIRED.
// synced records a successful call as the account's last sync.
func (h *Handlers) withAccount(ctx context.Context, a access.Actor, meta eventlog.Metadata, synced bool, call func(access string) error) error {
	if h.d.Remote == nil {
		return ralendarlink.ErrNoAccount
	}
	acc, ok, err := h.d.Commands.DefaultAccount(ctx, a)
	if err != nil {
		return err
	}
	if !ok {
		return ralendarlink.ErrNoAccount
	}
	cmd := ralendarlinkcmd.AccountCmd{Actor: a, AccountID: acc.AccountID, Meta: meta}
	refreshed := false
	if !acc.Tokens.AccessExpires.After(h.d.Clock.Now()) {
		if err := h.refresh(ctx, cmd, &acc); err != nil {
			return err
		}
		refreshed = true
	}
	err = call(acc.Tokens.Access)
	if errors.Is(err, ralendarlink.ErrTokenExpired) && !refreshed {
		if err := h.refresh(ctx, cmd, &acc); err != nil {
			return err
		}
		err = call(acc.Tokens.Access)
	}
	if errors.Is(err, ralendarlink.ErrTokenExpired) {
		if rerr := h.d.Commands.Reject(ctx, cmd); rerr != nil {
			return rerr
		}
		return err
	}
	if err != nil {
		return err
	}
	if synced {
		if _, err := h.d.Commands.Synced(ctx, cmd); err != nil {
			return fmt.Errorf("record the sync: %w", err)
		}
	}
	return nil
}

// refresh renews acc's access token with its refresh token.
func (h *Handlers) refresh(ctx context.Context, cmd ralendarlinkcmd.AccountCmd, acc *ralendarlinkcmd.Open) error {
	if acc.Tokens.Refresh == "" {
		return ralendarlink.ErrTokenExpired
	}
	tok, err := h.d.Remote.Refresh(ctx, acc.Tokens.Refresh)
	if errors.Is(err, ralendarlink.ErrTokenExchangeFailed) {
		if rerr := h.d.Commands.Reject(ctx, cmd); rerr != nil {
			return rerr
		}
		return ralendarlink.ErrTokenExpired.Wrap(err)
	}
	if err != nil {
		return err
	}
	t := ralendarlinkcmd.Tokens{Access: tok.Access, Refresh: tok.Refresh, AccessExpires: tok.AccessExpires}
	if err := h.d.Commands.Renew(ctx, cmd, t); err != nil {
		return err
	}
	acc.Tokens = t
	return nil
}

// Calendar is the trips' sync target (tripshttp.Calendar): the caller's
// default bound Ralendar account when there is one, over HTTP; otherwise
// this deployment's own calendar (Local), unless Required says a bound
// account is needed (NO_RALENDAR_ACCOUNT).
type Calendar struct {
	Local interface {
		SyncTripEvents(ctx context.Context, cmd calendarcmd.SyncTripEvents) (calendarcmd.BatchResult, error)
	}
	Links    *Handlers
	Required bool
}

// SyncTripEvents sends the trip's items to the default bound account as
// one batch of the other Ralendar's trip sync (POST /api/events/batch/
// with related_trip_slug, each item's source_id and, for a whole
// itinerary, complete and keep): its claims make a re-sync update the same
// events, and complete deletes there the events of removed items.
func (c Calendar) SyncTripEvents(ctx context.Context, cmd calendarcmd.SyncTripEvents) (calendarcmd.BatchResult, error) {
	bound := false
	if c.Links != nil && c.Links.d.Remote != nil {
		_, ok, err := c.Links.d.Commands.DefaultAccount(ctx, cmd.Actor)
		if err != nil {
			return calendarcmd.BatchResult{}, err
		}
		bound = ok
	}
	if !bound {
		if c.Required {
			return calendarcmd.BatchResult{}, ralendarlink.ErrNoAccount
		}
		return c.Local.SyncTripEvents(ctx, cmd)
	}
	body := map[string]any{"related_trip_slug": cmd.TripSlug, "source_app": cmd.SourceApp, "events": remoteEvents(cmd.Items)}
	if cmd.Complete != "" {
		body["complete"] = cmd.Complete
		body["keep"] = append([]string{}, cmd.Keep...)
	}
	var out calendarcmd.BatchResult
	err := c.Links.withAccount(ctx, cmd.Actor, cmd.Meta, true, func(access string) error {
		_, raw, err := c.Links.d.Remote.Do(ctx, access, http.MethodPost, "/events/batch/", body)
		if err != nil {
			return err
		}
		out, err = batchResult(raw)
		if err == nil && len(out.Events) != len(cmd.Items) {
			// Each item is one event of the answer: anything else is not
			// a Ralendar this server understands.
			return ralendarlink.ErrRemoteUnavailable.Wrap(fmt.Errorf("batch: %d events for %d items", len(out.Events), len(cmd.Items)))
		}
		return err
	})
	return out, err
}

// remoteEvents are the items as the other Ralendar's batch reads them.
func remoteEvents(items []calendarcmd.TripItem) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		d := it.Details
		e := map[string]any{"source_id": it.SourceID, "title": d.Title, "description": d.Description,
			"start_time": d.StartTime.UTC().Format(time.RFC3339), "all_day": d.AllDay, "location": d.Location,
			"reminder_minutes": d.ReminderMinutes, "email_reminder": d.EmailReminder}
		if d.EndTime != nil {
			e["end_time"] = d.EndTime.UTC().Format(time.RFC3339)
		}
		if d.Latitude != nil && d.Longitude != nil {
			e["latitude"], e["longitude"] = *d.Latitude, *d.Longitude
		}
		if d.MapProvider != "" {
			e["map_provider"] = d.MapProvider
		}
		out = append(out, e)
	}
	return out
}

// batchResult reads the other Ralendar's batch answer.
func batchResult(raw json.RawMessage) (calendarcmd.BatchResult, error) {
	var ans struct {
		Events []struct {
			ID        int64  `json:"id"`
			Title     string `json:"title"`
			StartTime string `json:"start_time"`
		} `json:"events"`
		Removed []int64 `json:"removed"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return calendarcmd.BatchResult{}, ralendarlink.ErrRemoteUnavailable.Wrap(errors.New("batch: unreadable answer"))
	}
	var out calendarcmd.BatchResult
	for _, e := range ans.Events {
		st, _ := time.Parse(time.RFC3339, e.StartTime)
		out.Events = append(out.Events, calendarcmd.EventResult{Event: calendar.Event{ID: e.ID, Details: calendar.Details{Title: e.Title, StartTime: st}}})
	}
	out.Removed = ans.Removed
	return out, nil
}

// forwarded are the list's query parameters passed on.
var forwarded = []string{"page", "page_size", "start", "end", "start_date", "end_date", "start_time", "end_time", "from", "to", "date", "ordering"}

// listEvents: GET /ralendar/trips/events/ → the default account's events
// as its Ralendar answers them (a DRF page).
func (h *Handlers) listEvents(c echo.Context) error {
	q := url.Values{}
	for _, k := range forwarded {
		if v := c.QueryParam(k); v != "" {
			if len(v) > 64 {
				return drf.FieldErrors{k: {"Ensure this field has no more than 64 characters."}}
			}
			q.Set(k, v)
		}
	}
	path := "/events/"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return h.proxy(c, http.MethodGet, path, nil, false)
}

// createEvent: POST /ralendar/trips/events/create/ {event} → 201 the event
// in the default account's calendar.
func (h *Handlers) createEvent(c echo.Context) error {
	body, err := jsonObject(c)
	if err != nil {
		return err
	}
	return h.proxy(c, http.MethodPost, "/events/", body, true)
}

// updateEvent: PUT/PATCH /ralendar/events/{id}/ → the event.
func (h *Handlers) updateEvent(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return ralendarlink.ErrAccountNotFound
	}
	body, err := jsonObject(c)
	if err != nil {
		return err
	}
	return h.proxy(c, c.Request().Method, "/events/"+strconv.FormatInt(id, 10)+"/", body, true)
}

// deleteEvent: DELETE /ralendar/events/{id}/ → 204.
func (h *Handlers) deleteEvent(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return ralendarlink.ErrAccountNotFound
	}
	return h.proxy(c, http.MethodDelete, "/events/"+strconv.FormatInt(id, 10)+"/", nil, true)
}

// proxy makes one call to the default account and answers what it
// answered (JSON; 204 without a body).
func (h *Handlers) proxy(c echo.Context, method, path string, body any, synced bool) error {
	var status int
	var raw json.RawMessage
	err := h.withAccount(c.Request().Context(), httpapi.Actor(c), httpapi.EventMeta(c, h.d.Clock.Now()), synced, func(access string) error {
		var err error
		status, raw, err = h.d.Remote.Do(c.Request().Context(), access, method, path, body)
		return err
	})
	if err != nil {
		return err
	}
	if status == http.StatusNoContent || len(raw) == 0 {
		return c.NoContent(status)
	}
	if !json.Valid(raw) {
		return ralendarlink.ErrRemoteUnavailable.Wrap(errors.New("unreadable answer"))
	}
	return c.JSONBlob(status, raw)
}

// maxEventBody bounds an event sent on.
const maxEventBody = 64 << 10

// jsonObject reads the request's JSON object (at most maxEventBody).
func jsonObject(c echo.Context) (map[string]any, error) {
	raw, err := httpapi.Body(c)
	if err != nil {
		return nil, drf.ErrUnreadableBody
	}
	if len(raw) > maxEventBody {
		return nil, drf.FieldErrors{"non_field_errors": {"Ensure the event has no more than 64 KiB."}}
	}
	var out map[string]any
	if json.Unmarshal(raw, &out) != nil || out == nil {
		return nil, drf.FieldErrors{"non_field_errors": {"Invalid data. Expected a dictionary."}}
	}
	return out, nil
}
