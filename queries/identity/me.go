package identity

import (
	"context"
	"strconv"
)

// Me asks for the authenticated user, by the principal's user id.
type Me struct {
	UserID string
}

// Me returns the caller's account; an unknown or inactive one is
// ErrNotFound.
func (q *Queries) Me(ctx context.Context, qry Me) (User, error) {
	id, err := strconv.ParseInt(qry.UserID, 10, 64)
	if err != nil || id <= 0 {
		return User{}, ErrNotFound
	}
	u, err := q.rm.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !u.IsActive {
		return User{}, ErrNotFound
	}
	return u, nil
}
