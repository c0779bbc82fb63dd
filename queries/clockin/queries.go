// Package clockin answers the queries of 001's clock-in from the read model
// projections/clockin maintains (views clockin.items, clockin.staff and
// clockin.records). One file per query.
package clockin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read;
// commands wait for it before they answer.
const ProjectionName = "clockin"

// IdentityProjection is the identity read model the staff list joins for
// user names.
const IdentityProjection = "identity"

// ErrNotFound is returned for an item that does not exist (or is not the
// activity's).
var ErrNotFound = errors.New("clockin: not found")

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the clock-in queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Item is a clock-in item of an activity.
type Item struct {
	ID         int64
	ActivityID int64
	Label      string
	OpenFrom   time.Time
	OpenTo     time.Time
}

// Staff is one of an activity's clock-in staff.
type Staff struct {
	UserID     int64
	Username   string
	AssignedAt time.Time
}

// Record is a user's clock-in at an item that still exists.
type Record struct {
	ItemID     int64
	ActivityID int64
	UserID     int64
	Label      string
	Window     int64
	ClockedAt  time.Time
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, db ReadModel, what string, scan func(pgx.CollectableRow) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("clockin: %s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("clockin: %s: %w", what, err)
	}
	return out, nil
}
