package identity

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// GrantAdmin gives a user the admin role, asked by an admin.
type GrantAdmin struct {
	Meta   eventlog.Metadata
	Actor  access.Actor
	UserID int64
}

// GrantAdmin checks in the actor's stream that the actor is an admin (the
// log, not the caller's token, decides), then appends AdminGranted to the
// user's stream (no-op for an admin: zero position).
func (h *Handlers) GrantAdmin(ctx context.Context, cmd GrantAdmin) (Done, error) {
	actor, err := h.actor(ctx, cmd.Actor)
	if err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, cmd.UserID, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.GrantAdmin(actor, h.clock.Now())
	})
	return Done{Position: pos}, err
}

// actor loads who asks as the log knows them; an unknown actor is not an
// admin. The system stays the system.
func (h *Handlers) actor(ctx context.Context, a access.Actor) (access.Actor, error) {
	if a.System {
		return access.System, nil
	}
	if !a.Authenticated() {
		return access.Actor{}, identity.ErrAdminRequired
	}
	u, err := h.loadUser(ctx, a.UserID)
	if errors.Is(err, identity.ErrUserNotFound) {
		return access.Actor{}, identity.ErrAdminRequired
	}
	if err != nil {
		return access.Actor{}, err
	}
	return identity.ActorOf(u), nil
}

// onUser runs a decision over an existing user's stream.
func (h *Handlers) onUser(ctx context.Context, id int64, meta eventlog.Metadata, decide func(u *identity.User) ([]eventlog.Event, error)) (eventlog.Position, error) {
	if id <= 0 {
		return eventlog.Position{}, identity.ErrUserNotFound
	}
	res, err := h.runner.Execute(ctx, identity.UserStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		u, err := identity.UserFromHistory(eventsOf(history))
		if err != nil {
			return nil, err
		}
		return decide(u)
	})
	return res.Append.Position, err
}
