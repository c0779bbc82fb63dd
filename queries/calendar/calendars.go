package calendar

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Calendar is a public calendar.
type Calendar struct {
	ID               int64
	OwnerID          int64
	URLSlug          string
	Name             string
	Description      string
	IsPublic         bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
	EventsCount      int
	SubscribersCount int
	Subscribed       bool
}

const calendarColumns = `c.id, c.owner_id, c.url_slug, c.name, c.description, c.is_public, c.created_at, c.updated_at,
 (SELECT count(*) FROM ` + ProjectionName + `.events e WHERE e.calendar_id = c.id)::int,
 (SELECT count(*) FROM ` + ProjectionName + `.subscriptions s WHERE s.calendar_id = c.id)::int,
 EXISTS (SELECT 1 FROM ` + ProjectionName + `.subscriptions s WHERE s.calendar_id = c.id AND s.user_id = $1)`

// ListCalendars returns the public calendars and the viewer's own (viewer
// 0: anonymous; admin: all), by id.
func (q *Queries) ListCalendars(ctx context.Context, viewer int64, admin bool) ([]Calendar, error) {
	rows, err := q.db.Query(ctx, `SELECT `+calendarColumns+` FROM `+ProjectionName+`.calendars c
 WHERE c.is_public OR c.owner_id = $1 AND $1 <> 0 OR $2 ORDER BY c.id`, viewer, admin)
	if err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Calendar])
	if err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	return out, nil
}

// GetCalendar returns the calendar with the id or url_slug key, if the
// viewer may see it (public, the viewer's own, or admin).
func (q *Queries) GetCalendar(ctx context.Context, key string, viewer int64, admin bool) (Calendar, error) {
	id, _ := strconv.ParseInt(key, 10, 64)
	rows, err := q.db.Query(ctx, `SELECT `+calendarColumns+` FROM `+ProjectionName+`.calendars c
 WHERE (c.id = $3 OR c.url_slug = $4) AND (c.is_public OR c.owner_id = $1 AND $1 <> 0 OR $2)`, viewer, admin, id, key)
	if err != nil {
		return Calendar{}, fmt.Errorf("get calendar %q: %w", key, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Calendar])
	if err != nil {
		return Calendar{}, fmt.Errorf("get calendar %q: %w", key, err)
	}
	if len(out) == 0 {
		return Calendar{}, ErrNotFound
	}
	for _, c := range out { // an id wins over a slug that looks like one
		if c.ID == id {
			return c, nil
		}
	}
	return out[0], nil
}

// CalendarEvents returns a calendar's events that overlap [from, to) (nil:
// unbounded), by start time, at most limit.
func (q *Queries) CalendarEvents(ctx context.Context, calendarID int64, from, to *time.Time, limit int) ([]Event, error) {
	rows, err := q.db.Query(ctx, `SELECT `+eventColumns+` FROM `+ProjectionName+`.events
 WHERE calendar_id = $1 AND ($2::timestamptz IS NULL OR coalesce(end_time, start_time) >= $2) AND ($3::timestamptz IS NULL OR start_time < $3)
 ORDER BY start_time, id LIMIT $4`, calendarID, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("calendar %d events: %w", calendarID, err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("calendar %d events: %w", calendarID, err)
	}
	return out, nil
}

// Subscribes reports whether the user subscribed to the calendar with the
// url_slug.
func (q *Queries) Subscribes(ctx context.Context, userID int64, slug string) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+ProjectionName+`.subscriptions s JOIN `+ProjectionName+`.calendars c ON c.id = s.calendar_id
 WHERE s.user_id = $1 AND c.url_slug = $2)`, userID, slug).Scan(&ok)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("subscription of %d to %s: %w", userID, slug, err)
	}
	return ok, nil
}

// FeedOwner returns the user whose feed token has the digest.
func (q *Queries) FeedOwner(ctx context.Context, digest string) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `SELECT user_id FROM `+ProjectionName+`.feeds WHERE token_digest = $1 AND token_digest <> '' ORDER BY user_id LIMIT 1`, digest).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("feed owner: %w", err)
	}
	return id, nil
}
