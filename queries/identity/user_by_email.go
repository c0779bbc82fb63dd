package identity

import (
	"context"
	"strings"
)

// UserByEmail asks for the user with an e-mail address (any case).
type UserByEmail struct {
	Email string
}

// UserByEmail returns the user or ErrNotFound.
func (q *Queries) UserByEmail(ctx context.Context, qry UserByEmail) (User, error) {
	email := strings.TrimSpace(qry.Email)
	if email == "" {
		return User{}, ErrNotFound
	}
	return q.rm.UserByEmail(ctx, email)
}
