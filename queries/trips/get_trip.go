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

// Reactions tells, for each of the trips, which kinds ("like", "checkin")
// the caller gave it: one query for a page of trips.
func (q *Queries) Reactions(ctx context.Context, tripIDs []int64, caller string) (map[int64]map[string]bool, error) {
	rows, err := q.db.Query(ctx, `SELECT trip_id, kind FROM `+ProjectionName+`.reactions WHERE trip_id = ANY($1) AND caller = $2`, tripIDs, caller)
	if err != nil {
		return nil, fmt.Errorf("reactions of %d trips: %w", len(tripIDs), err)
	}
	defer rows.Close()
	out := map[int64]map[string]bool{}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, fmt.Errorf("reactions: %w", err)
		}
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		out[id][kind] = true
	}
	return out, rows.Err()
}
