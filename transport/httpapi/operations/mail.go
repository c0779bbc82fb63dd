package operations

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// ParkedMail is a mail delivery that kept failing: the mail reaction that
// gave up (Worker, its name), the event it was rendering and the last error.
// It is a view of the projection engine's parked events of the mail
// reactions.
type ParkedMail struct {
	ID        int64     `json:"id"`
	Worker    string    `json:"worker"`
	EventID   string    `json:"event_id"`
	StreamID  string    `json:"stream_id"`
	Position  string    `json:"position"`
	EventType string    `json:"event_type"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	ParkedAt  time.Time `json:"parked_at"`
}

// Mail is the port over the mail reactions' parked deliveries (adapted in
// cmd). An unknown id, or one that is not a mail's, is a fault.NotFound
// error.
type Mail interface {
	// ParkedMail lists the parked deliveries, oldest first; worker, when not
	// empty, keeps one reaction's.
	ParkedMail(ctx context.Context, worker string) ([]ParkedMail, error)
	// ReplayMail sends a parked delivery again, once; it is no longer
	// parked when that succeeds.
	ReplayMail(ctx context.Context, id int64) error
}

// MailModule mounts the operators' routes over the mail reactions, beside
// the routes of Module (which list and replay the same parked events among
// every consumer's):
//
//	GET  /api/admin/mail/parked/              ?worker=<reaction name>
//	POST /api/admin/mail/parked/{id}/replay/  → 200, or 502 with the mail server's error when it fails again
type MailModule struct {
	Mail   Mail
	Logger *slog.Logger
}

// Mount implements httpapi.Routes.
func (m MailModule) Mount(e *echo.Echo) {
	g := admin(e, m.Logger)
	g.GET("/mail/parked/", m.parked)
	g.POST("/mail/parked/:id/replay/", m.replay)
}

func (m MailModule) parked(c echo.Context) error {
	ps, err := m.Mail.ParkedMail(c.Request().Context(), c.QueryParam("worker"))
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []ParkedMail{}
	}
	return c.JSON(http.StatusOK, map[string]any{"parked": ps})
}

func (m MailModule) replay(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := m.Mail.ReplayMail(c.Request().Context(), id); err != nil {
		if errors.Is(err, ErrStillFailing) {
			// The mail server refused it again: its words are the point.
			return c.JSON(http.StatusBadGateway, map[string]any{"id": id, "status": "failed", "detail": errors.Unwrap(err).Error()})
		}
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "status": "replayed"})
}
