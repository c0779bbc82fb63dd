// Package repairs answers the queries of 001's repair requests from the read
// model projections/repairs maintains (views repairs.categories,
// repairs.addresses, repairs.repairs and repairs.status_changes). One file
// per query.
package repairs

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read;
// commands wait for it before they answer.
const ProjectionName = "repairs"

// ErrNotFound is returned for a category, address or request that does not
// exist.
var ErrNotFound = errors.New("repairs: not found")

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the repair queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Category is a fault category.
type Category struct {
	ID   int64
	Name string
}

// Address is a notified address; no CategoryIDs means every category.
type Address struct {
	ID          int64
	Email       string
	CategoryIDs []int64
}

// Repair is a repair request.
type Repair struct {
	ID           int64
	UserID       int64
	Location     string
	CategoryID   int64
	CategoryName string
	Description  string
	Status       string
	Notify       []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// History is filled by GetRepair only.
	History []StatusChange
}

// StatusChange is one change of a request's status.
type StatusChange struct {
	From      string
	To        string
	ChangedBy int64
	ChangedAt time.Time
}
