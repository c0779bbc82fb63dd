// Package calendar answers the queries of Ralendar's calendar from the read
// model projections/calendar maintains (view calendar.events). One file per
// query.
package calendar

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read;
// commands wait for it before they answer.
const ProjectionName = "calendar"

// ErrNotFound is returned for an event that does not exist or is not the
// caller's.
var ErrNotFound = errors.New("calendar: not found")

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the calendar queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Event is a calendar event as its owner reads it.
type Event struct {
	ID               int64
	UserID           int64
	Title            string
	Description      string
	StartTime        time.Time
	EndTime          *time.Time
	AllDay           bool
	Location         string
	Latitude         *float64
	Longitude        *float64
	MapProvider      string
	ReminderMinutes  int
	EmailReminder    bool
	NotificationSent bool
	RelatedTripSlug  string
	SourceApp        string
	SourceID         string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// CalendarID is the public calendar the event is in (0: none);
	// IsPublicCalendar marks such events.
	CalendarID       int64
	IsPublicCalendar bool
}

const eventColumns = `id, user_id, title, description, start_time, end_time, all_day, location, latitude, longitude,
 map_provider, reminder_minutes, email_reminder,
 (reminded_for IS NOT NULL AND start_time <= reminded_for) AS notification_sent,
 related_trip_slug, source_app, source_id, created_at, updated_at, calendar_id, calendar_id <> 0`

func scanEvents(rows pgx.Rows) ([]Event, error) {
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Event])
}
