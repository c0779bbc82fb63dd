package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// A registration with a verification token (Register.VerificationToken):
// the token of purpose register for the address is checked before anything
// is claimed (a refused token creates nothing), then used by the new user
// (VerificationTokenUsed) and the address marked verified (EmailVerified).
// Two registrations with one token cannot both succeed: they claim the same
// address, and only one claim wins.

// registrationToken checks token for a registration with email and returns
// its id.
func (h *Handlers) registrationToken(ctx context.Context, email identity.Email, token string) (string, error) {
	if email.IsZero() {
		return "", identity.ErrVerificationTokenInvalid
	}
	tokenID, ok := h.parseVerificationToken(strings.TrimSpace(token))
	if !ok {
		return "", identity.ErrVerificationTokenInvalid
	}
	history, _, err := h.store.Load(ctx, identity.EmailVerificationStream(email))
	if err != nil {
		return "", fmt.Errorf("register: load verification of the address: %w", err)
	}
	v := identity.EmailVerificationFromHistory(email.Digest(), eventsOf(history))
	if _, err := v.UseToken(tokenID, identity.PurposeRegister, 0, h.clock.Now()); err != nil {
		return "", err
	}
	return tokenID, nil
}

// useRegistrationToken uses the checked token for the registered user and
// verifies the address.
func (h *Handlers) useRegistrationToken(ctx context.Context, reg Registered, email identity.Email, tokenID string, meta eventlog.Metadata) (Registered, error) {
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(reg.User.ID)
	}
	used, err := h.runner.Execute(ctx, identity.EmailVerificationStream(email), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		v := identity.EmailVerificationFromHistory(email.Digest(), eventsOf(history))
		return v.UseToken(tokenID, identity.PurposeRegister, reg.User.ID, h.clock.Now())
	})
	if err != nil {
		return reg, fmt.Errorf("register user %d: use verification token: %w", reg.User.ID, err)
	}
	pos, err := h.onUser(ctx, reg.User.ID, meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.VerifyEmail(email.Digest(), h.clock.Now()), nil
	})
	if err != nil {
		return reg, fmt.Errorf("register user %d: verify address: %w", reg.User.ID, err)
	}
	reg.Position = maxPos(reg.Position, maxPos(used.Append.Position, pos))
	return reg, nil
}
