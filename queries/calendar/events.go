package calendar

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// GetEvent returns the user's event.
func (q *Queries) GetEvent(ctx context.Context, userID, id int64) (Event, error) {
	rows, err := q.db.Query(ctx, `SELECT `+eventColumns+` FROM `+ProjectionName+`.events WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return Event{}, fmt.Errorf("get calendar event %d: %w", id, err)
	}
	ev, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Event])
	if errors.Is(err, pgx.ErrNoRows) {
		return Event{}, ErrNotFound
	}
	if err != nil {
		return Event{}, fmt.Errorf("get calendar event %d: %w", id, err)
	}
	return ev, nil
}

// Orderings of ListEvents: the ordering parameter's values and their SQL.
var orderings = map[string]string{
	"start_time":  "start_time, id",
	"-start_time": "start_time DESC, id DESC",
	"end_time":    "coalesce(end_time, start_time), id",
	"-end_time":   "coalesce(end_time, start_time) DESC, id DESC",
	"created_at":  "created_at, id",
	"-created_at": "created_at DESC, id DESC",
	"updated_at":  "updated_at, id",
	"-updated_at": "updated_at DESC, id DESC",
	"title":       "title, id",
	"-title":      "title DESC, id DESC",
}

// ValidOrdering reports whether ListEvents knows the ordering.
func ValidOrdering(o string) bool { _, ok := orderings[o]; return ok }

// ListEvents is a page of a user's events and those of the public calendars
// the user subscribed to, optionally only those that
// overlap [From, To).
type ListEvents struct {
	UserID   int64
	From, To *time.Time
	Ordering string // "" : by start time
	Offset   int
	Limit    int
}

// ListEvents returns the page and how many events match in all.
func (q *Queries) ListEvents(ctx context.Context, l ListEvents) ([]Event, int, error) {
	order, ok := orderings[l.Ordering]
	if !ok {
		order = orderings["start_time"]
	}
	where := `(user_id = $1 OR calendar_id IN (SELECT calendar_id FROM ` + ProjectionName + `.subscriptions WHERE user_id = $1)) AND ($2::timestamptz IS NULL OR coalesce(end_time, start_time) >= $2) AND ($3::timestamptz IS NULL OR start_time < $3)`
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+ProjectionName+`.events WHERE `+where, l.UserID, l.From, l.To).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count calendar events: %w", err)
	}
	rows, err := q.db.Query(ctx, `SELECT `+eventColumns+` FROM `+ProjectionName+`.events WHERE `+where+
		` ORDER BY `+order+` LIMIT $4 OFFSET $5`, l.UserID, l.From, l.To, l.Limit, l.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list calendar events: %w", err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("list calendar events: %w", err)
	}
	return out, total, nil
}

// Zone is the zone days are counted in (China Standard Time).
var Zone = time.FixedZone("Asia/Shanghai", 8*60*60)

// UserEventStats counts the user's events: all, those starting today (in
// Zone) and those starting in the next 7 days from now.
func (q *Queries) UserEventStats(ctx context.Context, userID int64, now time.Time) (total, today, upcoming int, err error) {
	local := now.In(Zone)
	dayStart := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, Zone)
	err = q.db.QueryRow(ctx, `
SELECT count(*),
       count(*) FILTER (WHERE start_time >= $2 AND start_time < $3),
       count(*) FILTER (WHERE start_time > $4 AND start_time <= $5)
  FROM `+ProjectionName+`.events WHERE user_id = $1`,
		userID, dayStart, dayStart.AddDate(0, 0, 1), now, now.Add(7*24*time.Hour)).Scan(&total, &today, &upcoming)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("calendar stats of user %d: %w", userID, err)
	}
	return total, today, upcoming, nil
}

// DueReminders lists the events whose mailed reminder is due at now and not
// sent for their current start (started at most grace ago), earliest
// first, at most limit.
func (q *Queries) DueReminders(ctx context.Context, now time.Time, grace time.Duration, limit int) ([]int64, error) {
	rows, err := q.db.Query(ctx, `
SELECT id FROM `+ProjectionName+`.events
 WHERE email_reminder AND remind_at <= $1 AND start_time >= $2
   AND (reminded_for IS NULL OR start_time > reminded_for)
 ORDER BY remind_at, id LIMIT $3`, now, now.Add(-grace), limit)
	if err != nil {
		return nil, fmt.Errorf("due calendar reminders: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("due calendar reminders: %w", err)
	}
	return ids, nil
}
