// Package operations is the operators' HTTP surface over the projection
// engine, which runs every consumer of the log (projectors, reactions, jobs):
// their status, parked events (inspect, replay, skip) and blue/green
// rebuilds; and the erasure of a person's data. Every route needs an admin
// principal. Its dialect is plain JSON: {"detail": …} for every refusal
// (errors.go).
package operations

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
)

// ProjectionStatus is one consumer's state: a projector's, a reaction's
// (checkpoint, lag, parked) or a job's (its last and next run).
type ProjectionStatus struct {
	Name string `json:"name"`
	// Kind is "projector", "reaction" or "job".
	Kind             string `json:"kind"`
	Version          int    `json:"version"`
	ActiveGeneration int    `json:"active_generation"`
	Checkpoint       string `json:"checkpoint"`
	Head             string `json:"head"`
	Lag              uint64 `json:"lag_events"`
	LagCapped        bool   `json:"lag_capped"`
	// LagSeconds is the age of the oldest event not yet processed (0 when caught up).
	LagSeconds        float64 `json:"lag_seconds"`
	Parked            int     `json:"parked"`
	Rebuilding        bool    `json:"rebuilding"`
	RebuildGeneration int     `json:"rebuild_generation,omitempty"`
	RebuildCheckpoint string  `json:"rebuild_checkpoint,omitempty"`
	// RunningHere tells that the process answering runs the consumer.
	RunningHere bool `json:"running_here"`
	// LastError is the error the consumer last stopped with (a job: its
	// last run's).
	LastError string `json:"last_error,omitempty"`
	// A job's interval (seconds), the start and end of its last run, when
	// the next is due, and how many runs and failures it had.
	EverySeconds float64    `json:"every_seconds,omitempty"`
	LastRun      *time.Time `json:"last_run,omitempty"`
	LastRunEnded *time.Time `json:"last_run_ended,omitempty"`
	NextRun      *time.Time `json:"next_run,omitempty"`
	Runs         int64      `json:"runs,omitempty"`
	Failures     int64      `json:"failures,omitempty"`
}

// ParkedEvent is an event a projector or a reaction gave up on.
type ParkedEvent struct {
	ID int64 `json:"id"`
	// Kind is "projector" or "reaction"; Projection names it.
	Kind       string    `json:"kind"`
	Projection string    `json:"projection"`
	Consumer   string    `json:"consumer"`
	Position   string    `json:"position"`
	EventID    string    `json:"event_id"`
	StreamID   string    `json:"stream_id"`
	Type       string    `json:"type"`
	Error      string    `json:"error"`
	Attempts   int       `json:"attempts"`
	ParkedAt   time.Time `json:"parked_at"`
}

// Projections is the port the projection engine implements (adapted in cmd).
// Parked with an empty name lists every consumer's parked events. Unknown
// names and ids are fault.NotFound errors.
type Projections interface {
	Status(ctx context.Context) ([]ProjectionStatus, error)
	Parked(ctx context.Context, name string) ([]ParkedEvent, error)
	ReplayParked(ctx context.Context, id int64) error
	SkipParked(ctx context.Context, id int64) error
	Rebuild(ctx context.Context, name string) error
}

// Users is the port over the accounts operators act on (the identity
// commands, adapted in cmd).
type Users interface {
	// EraseUser erases the user's personal data (PersonalDataErased).
	EraseUser(ctx context.Context, actor access.Actor, userID int64, meta eventlog.Metadata) (eventlog.Position, error)
}

// Module mounts the routes under /api/admin/:
//
//	GET  /api/admin/projections/                 every consumer's status
//	GET  /api/admin/projections/parked/          every consumer's parked events
//	GET  /api/admin/projections/{name}/parked/   one consumer's
//	POST /api/admin/projections/{name}/rebuild/  a projector, blue/green
//	POST /api/admin/parked/{id}/replay/          handle it again now; removed on success, 409 when it fails again
//	POST /api/admin/parked/{id}/skip/            give up on it
type Module struct {
	Projections Projections
	Logger      *slog.Logger
}

// Mount implements httpapi.Routes.
func (m Module) Mount(e *echo.Echo) {
	g := admin(e, m.Logger)
	g.GET("/projections/", m.status)
	g.GET("/projections/parked/", m.parked)
	g.GET("/projections/:name/parked/", m.parked)
	g.POST("/projections/:name/rebuild/", m.rebuild)
	g.POST("/parked/:id/replay/", m.replay)
	g.POST("/parked/:id/skip/", m.skip)
}

func (m Module) status(c echo.Context) error {
	st, err := m.Projections.Status(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"projections": st})
}

func (m Module) parked(c echo.Context) error {
	ev, err := m.Projections.Parked(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	if ev == nil {
		ev = []ParkedEvent{}
	}
	return c.JSON(http.StatusOK, map[string]any{"parked": ev})
}

func (m Module) rebuild(c echo.Context) error {
	if err := m.Projections.Rebuild(c.Request().Context(), c.Param("name")); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "rebuilding", "projection": c.Param("name")})
}

func (m Module) replay(c echo.Context) error {
	return m.onParked(c, m.Projections.ReplayParked, "replayed")
}
func (m Module) skip(c echo.Context) error { return m.onParked(c, m.Projections.SkipParked, "skipped") }

func (m Module) onParked(c echo.Context, op func(context.Context, int64) error, done string) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := op(c.Request().Context(), id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "status": done})
}

// Erasure mounts the operators' erasure of a person's data:
//
//	POST /api/admin/users/{id}/erase/   → 200 {"user_id", "status": "erased"}
//
// The answer comes once the read models have blanked the user
// (X-Event-Position); the keys of the user's sealed data are deleted by the
// identity context's reaction.
type Erasure struct {
	Users  Users
	Clock  interface{ Now() time.Time }
	Logger *slog.Logger
}

// Mount implements httpapi.Routes.
func (m Erasure) Mount(e *echo.Echo) { admin(e, m.Logger).POST("/users/:id/erase/", m.erase) }

func (m Erasure) erase(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := m.Users.EraseUser(c.Request().Context(), httpapi.Actor(c), id, httpapi.EventMeta(c, m.Clock.Now())); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"user_id": id, "status": "erased"})
}

// pathID reads the positive integer :id.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Invalidf("id", "must be a positive integer")
	}
	return id, nil
}
