package trips

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ListPublic selects a page of the public list (public and published),
// with the Viewer's own trips too when Viewer is not 0; AuthorID 0 means
// any author.
type ListPublic struct {
	AuthorID int64
	Viewer   int64
	Offset   int
	Limit    int
}

// ListPublicTrips returns a page of public, published trips, newest first,
// and how many there are.
func (q *Queries) ListPublicTrips(ctx context.Context, f ListPublic) ([]Trip, int, error) {
	const where = ` WHERE ((visibility = 'public' AND status = 'published') OR ($2 <> 0 AND author_id = $2))
 AND NOT deleted AND ($1 = 0 OR author_id = $1)`
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+ProjectionName+`.trips`+where, f.AuthorID, f.Viewer).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count trips: %w", err)
	}
	out, err := q.trips(ctx, `SELECT `+tripColumns+` FROM `+ProjectionName+`.trips`+where+`
 ORDER BY created_at DESC, id DESC OFFSET $3 LIMIT $4`, f.AuthorID, f.Viewer, f.Offset, f.Limit)
	return out, total, err
}

// MyTrips returns a page of a user's trips (every status and visibility),
// newest first, and how many there are.
func (q *Queries) MyTrips(ctx context.Context, userID int64, offset, limit int) ([]Trip, int, error) {
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+ProjectionName+`.trips WHERE author_id = $1 AND NOT deleted`, userID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count trips of %d: %w", userID, err)
	}
	out, err := q.trips(ctx, `SELECT `+tripColumns+` FROM `+ProjectionName+`.trips WHERE author_id = $1 AND NOT deleted
 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT $3`, userID, offset, limit)
	return out, total, err
}

func (q *Queries) trips(ctx context.Context, sql string, args ...any) ([]Trip, error) {
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list trips: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Trip, error) { return scanTrip(r) })
	if err != nil {
		return nil, fmt.Errorf("list trips: %w", err)
	}
	return out, nil
}

// Counts are a user's trips: all of them and the public ones.
type Counts struct {
	Trips, PublicTrips int
}

// TripCounts counts the users' trips (absent users: none).
func (q *Queries) TripCounts(ctx context.Context, userIDs []int64) (map[int64]Counts, error) {
	rows, err := q.db.Query(ctx, `SELECT author_id, count(*), count(*) FILTER (WHERE visibility = 'public')
 FROM `+ProjectionName+`.trips WHERE author_id = ANY($1) AND NOT deleted GROUP BY author_id`, userIDs)
	if err != nil {
		return nil, fmt.Errorf("count trips: %w", err)
	}
	defer rows.Close()
	out := map[int64]Counts{}
	for rows.Next() {
		var id int64
		var c Counts
		if err := rows.Scan(&id, &c.Trips, &c.PublicTrips); err != nil {
			return nil, fmt.Errorf("count trips: %w", err)
		}
		out[id] = c
	}
	return out, rows.Err()
}
