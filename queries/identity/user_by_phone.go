package identity

import (
	"context"
	"strings"
)

// UserByPhone asks for the user with a mobile number.
type UserByPhone struct {
	Phone string
}

// UserByPhone returns the user or ErrNotFound.
func (q *Queries) UserByPhone(ctx context.Context, qry UserByPhone) (User, error) {
	return q.rm.UserByPhone(ctx, strings.TrimSpace(qry.Phone))
}
