// Package trips answers the queries of Roamio's trip plans from the read
// model projections/trips maintains (trips.trips, trips.reactions,
// trips.items). One file per query.
package trips

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read.
const ProjectionName = "trips"

// MaxPageSize bounds a page of trips.
const MaxPageSize = 100

// ErrNotFound is a trip or item that does not exist (or is deleted).
var ErrNotFound = errors.New("trips: not found")

// ReadModel is the PostgreSQL the read models live in.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the trip queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Trip is a trip plan as read.
type Trip struct {
	ID              int64
	Slug            string
	AuthorID        int64
	ClonedFrom      int64
	Title           string
	Description     string
	Icon            string
	StartDate       string
	EndDate         string
	Status          string
	Visibility      string
	ThemeColor      string
	BackgroundMusic string
	Config          json.RawMessage
	Overview        json.RawMessage
	Views           int64
	Likes           int64
	Checkins        int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Item is an itinerary item as read.
type Item struct {
	ID          int64
	TripID      int64
	Title       string
	Description string
	EventTime   *time.Time
	Location    json.RawMessage
	Reminder    json.RawMessage
	Completed   bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
