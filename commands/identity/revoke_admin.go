package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// RevokeAdmin takes the admin role from a user, asked by another admin.
type RevokeAdmin struct {
	Meta   eventlog.Metadata
	Actor  access.Actor
	UserID int64
}

// RevokeAdmin appends AdminRevoked (no-op for a non-admin: zero position).
func (h *Handlers) RevokeAdmin(ctx context.Context, cmd RevokeAdmin) (Done, error) {
	actor, err := h.actor(ctx, cmd.Actor)
	if err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, cmd.UserID, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.RevokeAdmin(actor, h.clock.Now())
	})
	return Done{Position: pos}, err
}
