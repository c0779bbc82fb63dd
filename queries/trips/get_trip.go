package trips

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const tripColumns = `id, slug, author_id, cloned_from, title, description, icon, start_date, end_date, status, visibility,
 theme_color, background_music, config::text, overview::text, views, likes, checkins, created_at, updated_at`

func scanTrip(row pgx.Row) (Trip, error) {
	var t Trip
	var config, overview string
	err := row.Scan(&t.ID, &t.Slug, &t.AuthorID, &t.ClonedFrom, &t.Title, &t.Description, &t.Icon, &t.StartDate, &t.EndDate,
		&t.Status, &t.Visibility, &t.ThemeColor, &t.BackgroundMusic, &config, &overview, &t.Views, &t.Likes, &t.Checkins,
		&t.CreatedAt, &t.UpdatedAt)
	t.Config, t.Overview = []byte(config), []byte(overview)
	return t, err
}

// TripBySlug returns the trip with the slug (ErrNotFound when none or
// deleted).
func (q *Queries) TripBySlug(ctx context.Context, slug string) (Trip, error) {
	return q.one(ctx, `slug = $1`, slug)
}

// TripByID returns the trip with the id.
func (q *Queries) TripByID(ctx context.Context, id int64) (Trip, error) {
	return q.one(ctx, `id = $1`, id)
}

func (q *Queries) one(ctx context.Context, where string, arg any) (Trip, error) {
	t, err := scanTrip(q.db.QueryRow(ctx, `SELECT `+tripColumns+` FROM `+ProjectionName+`.trips WHERE `+where+` AND NOT deleted`, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("get trip %v: %w", arg, err)
	}
	return t, nil
}

// Reacted reports whether the caller liked (kind "like") or checked in
// ("checkin") the trip.
func (q *Queries) Reacted(ctx context.Context, tripID int64, kind, caller string) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+ProjectionName+`.reactions WHERE trip_id = $1 AND kind = $2 AND caller = $3)`,
		tripID, kind, caller).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("reaction of trip %d: %w", tripID, err)
	}
	return ok, nil
}
