package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
)

// RevokeAdmin takes the admin role from a user, asked by another admin.
type RevokeAdmin struct {
	ActorID int64
	UserID  int64
}

// RevokeAdmin appends AdminRevoked (no-op for a non-admin: zero position).
func (h *Handlers) RevokeAdmin(ctx context.Context, cmd RevokeAdmin, meta eventlog.Metadata) (eventlog.Position, error) {
	actor, err := h.actor(ctx, cmd.ActorID)
	if err != nil {
		return eventlog.Position{}, err
	}
	return h.onUser(ctx, cmd.UserID, meta, func(u *domain.User) ([]eventlog.Event, error) {
		return u.RevokeAdmin(actor, h.clock.Now())
	})
}
