package identity

import (
	"context"
	"strings"
)

// UserByUsername asks for the user with a username (any case).
type UserByUsername struct {
	Username string
}

// UserByUsername returns the user or ErrNotFound.
func (q *Queries) UserByUsername(ctx context.Context, qry UserByUsername) (User, error) {
	name := strings.TrimSpace(qry.Username)
	if name == "" {
		return User{}, ErrNotFound
	}
	return q.rm.UserByUsername(ctx, name)
}
