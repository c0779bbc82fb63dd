package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
)

// ChangePassword sets the actor's new password, given the old one.
type ChangePassword struct {
	Meta        eventlog.Metadata
	Actor       access.Actor
	OldPassword string
	NewPassword string
	// PasswordForm is how the API's client sends both passwords (004:
	// MD5HexForm). The new password is stored in the scheme schemeFor
	// chooses.
	PasswordForm PasswordForm
}

// ChangePassword verifies the old password, validates and hashes the new one
// and appends PasswordChanged. A wrong old password is an invalid
// old_password; an account without a password is ErrNoPassword. The old
// password is checked within the attempt limits of Login
// (ErrTooManyAttempts beyond them).
func (h *Handlers) ChangePassword(ctx context.Context, cmd ChangePassword) (Done, error) {
	id, err := cmd.Actor.User()
	if err != nil {
		return Done{}, err
	}
	u, err := h.loadUser(ctx, id)
	if err != nil {
		return Done{}, err
	}
	if !u.HasPassword() {
		return Done{}, identity.ErrNoPassword
	}
	if err := h.attempt(ctx, userAccount(id), cmd.Meta.ClientIP); err != nil {
		return Done{}, err
	}
	if ok, err := h.passwords.verify(ctx, newSecret(cmd.OldPassword, cmd.PasswordForm), u.PasswordHash()); err != nil {
		return Done{}, err
	} else if !ok {
		return Done{}, fault.Invalidf("old_password", "Your old password was entered incorrectly.")
	}
	username, _ := identity.NewUsername(u.Username())
	newPassword := newSecret(cmd.NewPassword, cmd.PasswordForm)
	if err := newPassword.validate(username); err != nil {
		return Done{}, fault.Invalidf("new_password", "%s", fieldMessage(err))
	}
	hash, err := h.newHash(ctx, newPassword, cmd.PasswordForm, u.PasswordHash())
	if err != nil {
		return Done{}, err
	}
	oldHash := u.PasswordHash()
	pos, err := h.onUser(ctx, id, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		if u.PasswordHash() != oldHash {
			return nil, fault.Invalidf("old_password", "Your old password was entered incorrectly.")
		}
		return u.ChangePassword(hash, h.clock.Now())
	})
	if err != nil {
		return Done{}, err
	}
	h.succeeded(ctx, userAccount(id))
	return Done{Position: pos}, nil
}

func fieldMessage(err error) string {
	if f, ok := fault.As(err); ok {
		return f.Message
	}
	return err.Error()
}
