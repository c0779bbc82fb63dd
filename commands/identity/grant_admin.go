package identity

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
)

// GrantAdmin gives a user the admin role, asked by an admin.
type GrantAdmin struct {
	ActorID int64
	UserID  int64
}

// GrantAdmin checks in the actor's stream that the actor is an admin, then
// appends AdminGranted to the user's stream (no-op for an admin: zero
// position).
func (h *Handlers) GrantAdmin(ctx context.Context, cmd GrantAdmin, meta eventlog.Metadata) (eventlog.Position, error) {
	actor, err := h.actor(ctx, cmd.ActorID)
	if err != nil {
		return eventlog.Position{}, err
	}
	return h.onUser(ctx, cmd.UserID, meta, func(u *domain.User) ([]eventlog.Event, error) {
		return u.GrantAdmin(actor, h.clock.Now())
	})
}

// actor loads who asks; an unknown actor is not an admin.
func (h *Handlers) actor(ctx context.Context, id int64) (domain.Actor, error) {
	if id <= 0 {
		return domain.Actor{}, domain.ErrAdminRequired
	}
	u, err := h.loadUser(ctx, id)
	if errors.Is(err, domain.ErrUserNotFound) {
		return domain.Actor{}, domain.ErrAdminRequired
	}
	if err != nil {
		return domain.Actor{}, err
	}
	return domain.ActorOf(u), nil
}

// onUser runs a decision over an existing user's stream.
func (h *Handlers) onUser(ctx context.Context, id int64, meta eventlog.Metadata, decide func(u *domain.User) ([]eventlog.Event, error)) (eventlog.Position, error) {
	if id <= 0 {
		return eventlog.Position{}, domain.ErrUserNotFound
	}
	res, err := h.runner.Execute(ctx, domain.UserStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		u, err := domain.UserFromHistory(eventsOf(history))
		if err != nil {
			return nil, err
		}
		return decide(u)
	})
	return res.Append.Position, err
}
