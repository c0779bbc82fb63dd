// Package contacts answers 001's address-book queries: the contacts of the
// staff's active members (with search and the caller's colleagues), the
// departments, and membership itself (members.go: placed by an admin or
// bound through WeChat). It reads the read model projections/contacts
// maintains (views contacts.colleagues, contacts.departments and
// contacts.members) and identity's (views identity.users,
// identity.contact_info and identity.social_accounts). One file per query.
package contacts

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read;
// commands wait for it before they answer.
const ProjectionName = "contacts"

// IdentityProjection is the identity read model the contacts are read from.
const IdentityProjection = "identity"

// ErrNotFound is returned for a user or department that does not exist.
var ErrNotFound = errors.New("contacts: not found")

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the contact queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }
