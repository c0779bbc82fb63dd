// Package identity answers questions about users and their credentials from
// the identity read model (the "identity" projection: views identity.users
// and identity.api_tokens). It never reads the event log.
package identity

import (
	"context"
	"errors"
	"time"
)

// ProjectionName is the projection whose read model these queries read; a
// command answer waits for it (httpapi.Consistency).
const ProjectionName = "identity"

// ErrNotFound is returned when no user or token matches.
var ErrNotFound = errors.New("identity: not found")

// User is a user as the read model knows it.
type User struct {
	ID          int64
	Username    string
	Email       string
	HasPassword bool
	IsAdmin     bool
	IsActive    bool
	DateJoined  time.Time
	// LastLogin is zero when the user never logged in.
	LastLogin time.Time
}

// APIToken is an "Authorization: Token" credential and its user.
type APIToken struct {
	TokenID  string
	KeyHash  string
	UserID   int64
	IssuedAt time.Time
	// LastUsed is the last recorded use, zero when none was recorded.
	LastUsed time.Time
	Revoked  bool
	User     User
}

// LastUse is the later of issue and last recorded use.
func (t APIToken) LastUse() time.Time {
	if t.LastUsed.After(t.IssuedAt) {
		return t.LastUsed
	}
	return t.IssuedAt
}

// ReadModel is the port to the identity read model; projections/identity
// implements it over PostgreSQL.
type ReadModel interface {
	UserByID(ctx context.Context, id int64) (User, error)
	// UserByUsername and UserByEmail match case-insensitively.
	UserByUsername(ctx context.Context, username string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	APITokenByHash(ctx context.Context, keyHash string) (APIToken, error)
}

// Queries are the identity query handlers.
type Queries struct {
	rm ReadModel
}

// New returns the identity queries over a read model.
func New(rm ReadModel) *Queries { return &Queries{rm: rm} }
