package identity

import "context"

// ListUsers asks for a page of users (page from 1).
type ListUsers struct {
	Page     int
	PageSize int
}

// UserPage is a page of users and their total count.
type UserPage struct {
	Users []User
	Total int
}

// MaxPageSize bounds ListUsers.PageSize.
const MaxPageSize = 100

// ListUsers returns the page; out-of-range pages are empty.
func (q *Queries) ListUsers(ctx context.Context, qry ListUsers) (UserPage, error) {
	if qry.Page < 1 {
		qry.Page = 1
	}
	if qry.PageSize < 1 {
		qry.PageSize = 20
	}
	if qry.PageSize > MaxPageSize {
		qry.PageSize = MaxPageSize
	}
	users, total, err := q.rm.ListUsers(ctx, (qry.Page-1)*qry.PageSize, qry.PageSize)
	return UserPage{Users: users, Total: total}, err
}
