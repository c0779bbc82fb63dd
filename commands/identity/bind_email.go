package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// BindEmail sets the actor's address to one a verification token proves
// (the Roamio web client's bind_email and change-email).
type BindEmail struct {
	Meta              eventlog.Metadata
	Actor             access.Actor
	Email             string
	VerificationToken string
	// Purpose is the token's: identity.PurposeBindEmail or
	// identity.PurposeChangeEmail (User.CheckEmailBinding).
	Purpose string
}

// BindEmail checks the binding (User.CheckEmailBinding), the token (of the
// purpose, for the address) and that the address is free or already the
// actor's, all before anything is recorded; then uses the token
// (VerificationTokenUsed), changes the address as UpdateAccount does
// (claims, EmailChanged sealed, the old claim released; nothing when it is
// the current address) and marks it verified (EmailVerified).
func (h *Handlers) BindEmail(ctx context.Context, cmd BindEmail) (Done, error) {
	userID, err := cmd.Actor.User()
	if err != nil {
		return Done{}, err
	}
	email, err := identity.NewEmail(cmd.Email)
	if err != nil {
		return Done{}, err
	}
	u, err := h.loadUser(ctx, userID)
	if err != nil {
		return Done{}, err
	}
	if err := u.CheckEmailBinding(cmd.Purpose, email); err != nil {
		return Done{}, err
	}
	tokenID, ok := h.parseVerificationToken(strings.TrimSpace(cmd.VerificationToken))
	if !ok {
		return Done{}, identity.ErrVerificationTokenInvalid
	}
	stream := identity.EmailVerificationStream(email)
	history, _, err := h.store.Load(ctx, stream)
	if err != nil {
		return Done{}, fmt.Errorf("bind email of user %d: load verification: %w", userID, err)
	}
	if _, err := identity.EmailVerificationFromHistory(email.Digest(), eventsOf(history)).
		UseToken(tokenID, cmd.Purpose, userID, h.clock.Now()); err != nil {
		return Done{}, err
	}
	if email.Digest() != u.EmailDigest() {
		if err := h.available(ctx, identity.EmailClaimStream(email), identity.ErrEmailTaken); err != nil {
			return Done{}, err
		}
	}
	meta := cmd.Meta
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(userID)
	}
	used, err := h.runner.Execute(ctx, stream, meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		v := identity.EmailVerificationFromHistory(email.Digest(), eventsOf(history))
		return v.UseToken(tokenID, cmd.Purpose, userID, h.clock.Now())
	})
	if err != nil {
		return Done{}, err
	}
	raw := email.String()
	changed, err := h.updateAccount(ctx, UpdateAccount{Meta: meta, Actor: cmd.Actor, Email: &raw})
	if err != nil {
		return Done{}, err
	}
	verified, err := h.onUser(ctx, userID, meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.VerifyEmail(email.Digest(), h.clock.Now()), nil
	})
	if err != nil {
		return Done{}, fmt.Errorf("bind email of user %d: verify: %w", userID, err)
	}
	return Done{Position: maxPos(used.Append.Position, maxPos(changed, verified))}, nil
}
