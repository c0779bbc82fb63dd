package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// SetPassword sets the actor's password without the old one: 001's
// PUT /current-user/, whose client (the mini-program's profile page) sends
// only the new password, the caller being proved by the sliding Token.
type SetPassword struct {
	Meta     eventlog.Metadata
	Actor    access.Actor
	Password string
}

// SetPassword validates the password (an invalid password, named as
// such), hashes it and appends PasswordChanged (reason "change").
func (h *Handlers) SetPassword(ctx context.Context, cmd SetPassword) (Done, error) {
	id, err := cmd.Actor.User()
	if err != nil {
		return Done{}, err
	}
	u, err := h.loadUser(ctx, id)
	if err != nil {
		return Done{}, err
	}
	username, _ := identity.NewUsername(u.Username())
	if err := identity.ValidatePassword(cmd.Password, username); err != nil {
		return Done{}, err
	}
	hash, err := h.passwords.Hash(ctx, cmd.Password)
	if err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, id, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.ChangePassword(hash, h.clock.Now())
	})
	return Done{Position: pos}, err
}
