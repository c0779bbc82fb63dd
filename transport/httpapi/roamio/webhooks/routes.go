// Package webhookshttp is the administrators' API of Roamio's webhook
// endpoints (/api/v1/admin/webhooks/): register, list, read (with the
// signing secret), remove, and each endpoint's deliveries. Failed
// deliveries that exhausted their retries are parked events of the
// reaction "webhooks_trip_changes", shown and replayed by the operators'
// API like every consumer's.
package webhookshttp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	webhookscmd "github.com/fiveapis/backend/commands/webhooks"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/webhooks"
	webhooksq "github.com/fiveapis/backend/queries/webhooks"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// Commands is what the routes need of the commands (webhookscmd.Handlers).
type Commands interface {
	Register(ctx context.Context, cmd webhookscmd.Register) (webhookscmd.Registered, error)
	Remove(ctx context.Context, cmd webhookscmd.Remove) (eventlog.Position, error)
}

// Queries reads the endpoints (webhooksq.Queries).
type Queries interface {
	Endpoints(ctx context.Context) ([]webhooksq.Endpoint, error)
	Endpoint(ctx context.Context, id int64) (webhooksq.Endpoint, error)
}

// Delivery is one delivery as operators see it.
type Delivery struct {
	EventID    string    `json:"event_id"`
	Event      string    `json:"event"`
	TripID     int64     `json:"trip_id"`
	Attempts   int       `json:"attempts"`
	LastStatus int       `json:"last_status"`
	LastError  string    `json:"last_error"`
	Delivered  bool      `json:"delivered"`
	Parked     bool      `json:"parked"`
	Replays    int       `json:"replays"`
	FirstAt    time.Time `json:"first_at"`
	LastAt     time.Time `json:"last_at"`
}

// Deliveries tells endpoints' secrets and deliveries (the adapter).
type Deliveries interface {
	Secret(endpointID int64) string
	Deliveries(ctx context.Context, endpointID int64, limit int) ([]Delivery, error)
	// Replay re-queues a parked delivery (webhooks.ErrDeliveryNotFound,
	// webhooks.ErrDeliveryNotParked).
	Replay(ctx context.Context, endpointID int64, eventID string) (Delivery, error)
}

// Clock tells the time events are stamped with.
type Clock interface{ Now() time.Time }

// Deps are the routes' ports.
type Deps struct {
	Commands   Commands
	Queries    Queries
	Deliveries Deliveries
	Clock      Clock
}

// Handlers serve the routes.
type Handlers struct{ d Deps }

// New returns the routes.
func New(d Deps) *Handlers { return &Handlers{d: d} }

// Mount implements httpapi.Routes (administrators only):
//
//	GET|POST   /admin/webhooks/                  list; register {url, events}
//	GET|DELETE /admin/webhooks/{id}/             one (with its secret); remove
//	GET        /admin/webhooks/{id}/deliveries/  its latest deliveries
//	POST       /admin/webhooks/{id}/deliveries/{event_id}/replay/  a parked delivery back into the queue
func (h *Handlers) Mount(e *echo.Echo) {
	admin := roamio.ContentRoutes(e).With(roamio.Admin)
	admin.GET("/admin/webhooks/", h.list)
	admin.POST("/admin/webhooks/", h.register)
	admin.GET("/admin/webhooks/:id/", h.get)
	admin.DELETE("/admin/webhooks/:id/", h.remove)
	admin.GET("/admin/webhooks/:id/deliveries/", h.deliveries)
	admin.POST("/admin/webhooks/:id/deliveries/:event/replay/", h.replay)
}

type endpointJSON struct {
	ID           int64     `json:"id"`
	URL          string    `json:"url"`
	Events       []string  `json:"events"`
	Secret       string    `json:"secret"`
	RegisteredAt time.Time `json:"registered_at"`
}

func (h *Handlers) render(ep webhooksq.Endpoint) endpointJSON {
	return endpointJSON{ID: ep.ID, URL: ep.URL, Events: ep.Events, Secret: h.d.Deliveries.Secret(ep.ID), RegisteredAt: ep.RegisteredAt}
}

func (h *Handlers) list(c echo.Context) error {
	eps, err := h.d.Queries.Endpoints(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]endpointJSON, 0, len(eps))
	for _, ep := range eps {
		out = append(out, h.render(ep))
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) register(c echo.Context) error {
	raw, err := httpapi.Body(c)
	if err != nil {
		return drf.ErrUnreadableBody
	}
	var b map[string]json.RawMessage
	if err := json.Unmarshal(raw, &b); err != nil || b == nil {
		return drf.FieldErrors{"non_field_errors": {"Invalid data. Expected a JSON object."}}
	}
	errs := drf.FieldErrors{}
	var u string
	if json.Unmarshal(b["url"], &u) != nil || u == "" {
		errs.Add("url", "This field is required and must be a URL.")
	}
	var events []string
	if v, ok := b["events"]; ok && string(v) != "null" && json.Unmarshal(v, &events) != nil {
		errs.Add("events", "Expected a list of items.")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.Register(c.Request().Context(), webhookscmd.Register{Actor: httpapi.Actor(c), URL: u, Events: events,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	e := res.Registered
	return c.JSON(http.StatusCreated, h.render(webhooksq.Endpoint{ID: e.EndpointID, URL: e.URL, Events: e.Events,
		RegisteredBy: e.RegisteredBy, RegisteredAt: e.RegisteredAt}))
}

func (h *Handlers) endpoint(c echo.Context) (webhooksq.Endpoint, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return webhooksq.Endpoint{}, webhooks.ErrEndpointNotFound
	}
	ep, err := h.d.Queries.Endpoint(c.Request().Context(), id)
	if errors.Is(err, webhooksq.ErrNotFound) {
		return ep, webhooks.ErrEndpointNotFound
	}
	return ep, err
}

func (h *Handlers) get(c echo.Context) error {
	ep, err := h.endpoint(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.render(ep))
}

func (h *Handlers) remove(c echo.Context) error {
	ep, err := h.endpoint(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.Remove(c.Request().Context(), webhookscmd.Remove{Actor: httpapi.Actor(c), EndpointID: ep.ID,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) deliveries(c echo.Context) error {
	ep, err := h.endpoint(c)
	if err != nil {
		return err
	}
	ds, err := h.d.Deliveries.Deliveries(c.Request().Context(), ep.ID, 100)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []Delivery{}
	}
	return c.JSON(http.StatusOK, ds)
}

// maxEventID bounds the event id a replay names (event ids are UUIDs).
const maxEventID = 64

// replay: POST /admin/webhooks/{id}/deliveries/{event_id}/replay/ → the
// delivery, parked no more, with a fresh budget of attempts: the delivery
// job sends it before the endpoint's later pending deliveries. 404 for a
// delivery the endpoint never had, 409 for one not parked.
func (h *Handlers) replay(c echo.Context) error {
	ep, err := h.endpoint(c)
	if err != nil {
		return err
	}
	ev := c.Param("event")
	if ev == "" || len(ev) > maxEventID || !printableASCII(ev) {
		return webhooks.ErrDeliveryNotFound
	}
	d, err := h.d.Deliveries.Replay(c.Request().Context(), ep.ID, ev)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
