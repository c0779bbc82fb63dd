package identity

import "context"

// UserByID asks for one user.
type UserByID struct {
	ID int64
}

// UserByID returns the user or ErrNotFound.
func (q *Queries) UserByID(ctx context.Context, qry UserByID) (User, error) {
	if qry.ID <= 0 {
		return User{}, ErrNotFound
	}
	return q.rm.UserByID(ctx, qry.ID)
}
