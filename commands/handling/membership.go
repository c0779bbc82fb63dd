package handling

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
)

// Membership tells whether a user is a member of the group a command is for
// (001's staff: queries/contacts IsMember). Command packages that need it
// declare it as their port.
type Membership interface {
	IsMember(ctx context.Context, userID int64) (bool, error)
}

// RequireMember returns the actor's user id when the actor is an
// administrator or a member: access.ErrUnauthenticated without a user,
// access.ErrForbidden for an account that is neither.
func RequireMember(ctx context.Context, m Membership, a access.Actor) (int64, error) {
	uid, err := a.User()
	if err != nil || a.Admin {
		return uid, err
	}
	ok, err := m.IsMember(ctx, uid)
	if err != nil {
		return 0, fmt.Errorf("membership of user %d: %w", uid, err)
	}
	if !ok {
		return 0, access.ErrForbidden
	}
	return uid, nil
}
