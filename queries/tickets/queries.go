// Package tickets answers the queries of 003's tickets from the read model
// projections/tickets maintains (schema "tickets"): every ticket query is
// scoped to what the viewer may see first (their own tickets, public ones,
// those of the places they hold a role for, everything for admins), then
// the client's filters apply. One file per query.
package tickets

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read.
const ProjectionName = "tickets"

// ErrNotFound is returned for what does not exist or may not be seen.
var ErrNotFound = errors.New("tickets: not found")

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the ticket queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Viewer is who reads: a user and whether an administrator. Their roles
// are read from the read model with the query.
type Viewer struct {
	UserID int64
	Admin  bool
}

// Area is a place.
type Area struct {
	ID        int64
	Name      string
	Kind      string
	ParentID  int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Cluster is what tickets are filed under.
type Cluster struct {
	ID        int64
	Name      string
	Slag      string
	CreatedAt time.Time
}

// Role is a user's casting for a place.
type Role struct {
	ID        int64
	UserID    int64
	Casting   string
	AreaID    int64
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// File is a file of a ticket.
type File struct {
	ID          int64
	TicketID    int64
	CreatorID   int64
	Role        string
	Name        string
	Ext         string
	Key         string
	Saved       bool
	Discarded   bool
	Size        int64
	ContentType string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Ticket is a ticket with its files (saved ones, and to its creator the
// unsaved ones too).
type Ticket struct {
	ID            int64
	CreatorID     int64
	OperatorID    int64
	PrincipalID   int64
	Title         string
	Content       string
	TapeContent   string
	Latitude      *float64
	Longitude     *float64
	VillageID     int64
	AreaID        int64
	ClusterID     int64
	Kind          int64
	IsPublic      bool
	CanComment    bool
	IsSuspend     bool
	Status        int64
	MailKey       string
	MainPictureID int64
	InspectedAt   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Files         []File
}

// Comment is a comment on a ticket.
type Comment struct {
	ID        int64
	TicketID  int64
	AuthorID  int64
	Content   string
	CreatedAt time.Time
}

// visible is the scope of tickets t a viewer ($1 user, $2 admin) may see.
const visible = `($2 OR t.creator_id = $1 OR (t.is_public AND NOT t.is_suspend) OR EXISTS (
    SELECT 1 FROM ` + ProjectionName + `.roles r WHERE r.user_id = $1 AND r.active AND r.area_id IN (t.village_id, t.area_id)))`
