package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	domain "github.com/fiveapis/backend/domain/identity"
)

// ChangePassword sets a new password, given the old one.
type ChangePassword struct {
	UserID      int64
	OldPassword string
	NewPassword string
}

// ChangePassword verifies the old password, validates and hashes the new one
// and appends PasswordChanged. A wrong old password is an invalid
// old_password; an account without a password is ErrNoPassword.
func (h *Handlers) ChangePassword(ctx context.Context, cmd ChangePassword, meta eventlog.Metadata) (eventlog.Position, error) {
	u, err := h.loadUser(ctx, cmd.UserID)
	if err != nil {
		return eventlog.Position{}, err
	}
	if !u.HasPassword() {
		return eventlog.Position{}, domain.ErrNoPassword
	}
	if ok, err := h.passwords.Verify(ctx, cmd.OldPassword, u.PasswordHash()); err != nil {
		return eventlog.Position{}, err
	} else if !ok {
		return eventlog.Position{}, fault.Invalidf("old_password", "Your old password was entered incorrectly.")
	}
	username, _ := domain.NewUsername(u.Username())
	if err := domain.ValidatePassword(cmd.NewPassword, username); err != nil {
		return eventlog.Position{}, fault.Invalidf("new_password", "%s", fieldMessage(err))
	}
	hash, err := h.passwords.Hash(ctx, cmd.NewPassword)
	if err != nil {
		return eventlog.Position{}, err
	}
	oldHash := u.PasswordHash()
	return h.onUser(ctx, cmd.UserID, meta, func(u *domain.User) ([]eventlog.Event, error) {
		if u.PasswordHash() != oldHash {
			return nil, fault.Invalidf("old_password", "Your old password was entered incorrectly.")
		}
		return u.ChangePassword(hash, h.clock.Now())
	})
}

func fieldMessage(err error) string {
	if f, ok := fault.As(err); ok {
		return f.Message
	}
	return err.Error()
}
