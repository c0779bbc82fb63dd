package identity

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// RevokeRefreshToken blacklists a refresh token (logout).
type RevokeRefreshToken struct {
	Meta    eventlog.Metadata
	Refresh string
	// Actor, when a user, is the caller: the token must be theirs.
	Actor access.Actor
}

// RevokeRefreshToken verifies the token and appends RefreshTokenRevoked to
// its user's stream; revoking it again is a no-op (zero position).
func (h *Handlers) RevokeRefreshToken(ctx context.Context, cmd RevokeRefreshToken) (Done, error) {
	claims, err := h.tokens.ParseRefresh(cmd.Refresh, h.clock.Now())
	if err != nil {
		return Done{}, err
	}
	if cmd.Actor.Authenticated() && !cmd.Actor.Owns(claims.UserID) {
		return Done{}, identity.ErrTokenInvalid.Wrap(errors.New("refresh token of another user"))
	}
	res, err := h.runner.Execute(ctx, identity.UserStream(claims.UserID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		u, err := identity.UserFromHistory(eventsOf(history))
		if err != nil {
			return nil, identity.ErrTokenInvalid.Wrap(err)
		}
		return u.RevokeRefreshToken(claims.JTI, claims.ExpiresAt, h.clock.Now())
	})
	if errors.Is(err, identity.ErrUserNotFound) {
		return Done{}, identity.ErrTokenInvalid.Wrap(err)
	}
	return Done{Position: res.Append.Position}, err
}
