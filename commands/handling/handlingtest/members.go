package handlingtest

import "context"

// Members is the membership port (handling.Membership) of command tests:
// the users it holds are members; a nil Members makes everybody one.
type Members map[int64]bool

// IsMember implements handling.Membership.
func (m Members) IsMember(_ context.Context, userID int64) (bool, error) {
	return m == nil || m[userID], nil
}
