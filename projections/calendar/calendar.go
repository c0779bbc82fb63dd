// Package calendar holds the read model of Ralendar's calendar (projector
// "calendar"); queries/calendar reads it through the view calendar.events.
package calendar

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/calendar"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	calendarq "github.com/fiveapis/backend/queries/calendar"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per event that is not deleted, with the start
// time its last reminder was due for.
type Projector struct{}

func (Projector) Name() string { return calendarq.ProjectionName }
func (Projector) Version() int { return 3 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{calendar.EventCategory, calendar.PublicCategory, calendar.FeedCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE events (
    id                bigint PRIMARY KEY,
    user_id           bigint           NOT NULL,
    calendar_id       bigint           NOT NULL DEFAULT 0,
    title             text             NOT NULL,
    description       text             NOT NULL,
    start_time        timestamptz      NOT NULL,
    end_time          timestamptz,
    all_day           boolean          NOT NULL,
    location          text             NOT NULL,
    latitude          double precision,
    longitude         double precision,
    map_provider      text             NOT NULL,
    reminder_minutes  integer          NOT NULL,
    email_reminder    boolean          NOT NULL,
    remind_at         timestamptz      NOT NULL,
    reminded_for      timestamptz,
    related_trip_slug text             NOT NULL,
    source_app        text             NOT NULL,
    source_id         text             NOT NULL,
    created_at        timestamptz      NOT NULL,
    updated_at        timestamptz      NOT NULL
);
CREATE INDEX events_user_start ON events (user_id, start_time, id);
CREATE INDEX events_reminders ON events (remind_at) WHERE email_reminder;
CREATE INDEX events_calendar_start ON events (calendar_id, start_time, id) WHERE calendar_id <> 0;

CREATE TABLE calendars (
    id          bigint PRIMARY KEY,
    owner_id    bigint      NOT NULL,
    url_slug    text        NOT NULL UNIQUE,
    name        text        NOT NULL,
    description text        NOT NULL,
    is_public   boolean     NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE feeds (
    user_id      bigint PRIMARY KEY,
    token_digest text   NOT NULL
);
CREATE INDEX feeds_digest ON feeds (token_digest);

CREATE TABLE subscriptions (
    calendar_id   bigint      NOT NULL,
    user_id       bigint      NOT NULL,
    subscribed_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, calendar_id)
);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case calendar.CalendarEventCreated:
		d := e.Details
		_, err = tx.Exec(ctx, `
INSERT INTO events (id, user_id, calendar_id, title, description, start_time, end_time, all_day, location, latitude, longitude,
  map_provider, reminder_minutes, email_reminder, remind_at, related_trip_slug, source_app, source_id, created_at, updated_at)
VALUES ($1, $2, $19, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)
ON CONFLICT (id) DO NOTHING`,
			e.EventID, e.UserID, d.Title, d.Description, d.StartTime, d.EndTime, d.AllDay, d.Location, d.Latitude, d.Longitude,
			d.MapProvider, d.ReminderMinutes, d.EmailReminder, d.RemindAt(), e.TripSlug, e.SourceApp, e.SourceID, e.CreatedAt, e.CalendarID)
	case calendar.CalendarEventChanged:
		d := e.Details
		_, err = tx.Exec(ctx, `
UPDATE events SET title = $2, description = $3, start_time = $4, end_time = $5, all_day = $6, location = $7,
  latitude = $8, longitude = $9, map_provider = $10, reminder_minutes = $11, email_reminder = $12, remind_at = $13,
  updated_at = $14 WHERE id = $1`,
			e.EventID, d.Title, d.Description, d.StartTime, d.EndTime, d.AllDay, d.Location, d.Latitude, d.Longitude,
			d.MapProvider, d.ReminderMinutes, d.EmailReminder, d.RemindAt(), e.ChangedAt)
	case calendar.CalendarEventTripLinked:
		_, err = tx.Exec(ctx, `UPDATE events SET related_trip_slug = $2, source_app = $3, source_id = $4, updated_at = $5 WHERE id = $1`,
			e.EventID, e.TripSlug, e.SourceApp, e.SourceID, e.LinkedAt)
	case calendar.CalendarReminderDue:
		_, err = tx.Exec(ctx, `UPDATE events SET reminded_for = $2 WHERE id = $1`, e.EventID, e.StartTime)
	case calendar.CalendarEventDeleted:
		_, err = tx.Exec(ctx, `DELETE FROM events WHERE id = $1`, e.EventID)
	case calendar.PublicCalendarCreated:
		_, err = tx.Exec(ctx, `
INSERT INTO calendars (id, owner_id, url_slug, name, description, is_public, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING`,
			e.CalendarID, e.OwnerID, e.URLSlug, e.Name, e.Description, e.IsPublic, e.CreatedAt)
	case calendar.PublicCalendarChanged:
		_, err = tx.Exec(ctx, `UPDATE calendars SET name = $2, description = $3, is_public = $4, updated_at = $5 WHERE id = $1`,
			e.CalendarID, e.Name, e.Description, e.IsPublic, e.ChangedAt)
	case calendar.PublicCalendarDeleted:
		if _, err = tx.Exec(ctx, `DELETE FROM calendars WHERE id = $1`, e.CalendarID); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `DELETE FROM subscriptions WHERE calendar_id = $1`, e.CalendarID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM events WHERE calendar_id = $1`, e.CalendarID)
	case calendar.CalendarFeedTokenSet:
		_, err = tx.Exec(ctx, `INSERT INTO feeds (user_id, token_digest) VALUES ($1, $2)
ON CONFLICT (user_id) DO UPDATE SET token_digest = EXCLUDED.token_digest`, e.UserID, e.TokenDigest)
	case calendar.CalendarFeedRevoked:
		_, err = tx.Exec(ctx, `DELETE FROM feeds WHERE user_id = $1`, e.UserID)
	case calendar.CalendarSubscribed:
		_, err = tx.Exec(ctx, `INSERT INTO subscriptions (calendar_id, user_id, subscribed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			e.CalendarID, e.UserID, e.SubscribedAt)
	case calendar.CalendarUnsubscribed:
		_, err = tx.Exec(ctx, `DELETE FROM subscriptions WHERE calendar_id = $1 AND user_id = $2`, e.CalendarID, e.UserID)
	}
	return err
}
