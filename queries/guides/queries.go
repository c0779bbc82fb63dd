// Package guides answers the queries of 001's service guides from the read
// model projections/guides maintains (views guides.categories and
// guides.guides). One file per query.
package guides

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read;
// commands wait for it before they answer.
const ProjectionName = "guides"

// ErrNotFound is returned for a category or guide that does not exist.
var ErrNotFound = errors.New("guides: not found")

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the guide queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Category is a guide category and how many guides it holds.
type Category struct {
	ID     int64
	Name   string
	Guides int
}

// Guide is a guide that was not removed, with its category's name.
type Guide struct {
	ID           int64
	Title        string
	CategoryID   int64
	CategoryName string
	FileKey      string
	FileName     string
	ContentType  string
	Size         int64
	SHA256       string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}
