package identity

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
)

// RevokeRefreshToken blacklists a refresh token (logout).
type RevokeRefreshToken struct {
	Refresh string
	// UserID, when set, is the caller: the token must be theirs.
	UserID int64
}

// RevokeRefreshToken verifies the token and appends RefreshTokenRevoked to
// its user's stream; revoking it again is a no-op (zero position).
func (h *Handlers) RevokeRefreshToken(ctx context.Context, cmd RevokeRefreshToken, meta eventlog.Metadata) (eventlog.Position, error) {
	claims, err := h.tokens.ParseRefresh(cmd.Refresh, h.clock.Now())
	if err != nil {
		return eventlog.Position{}, err
	}
	if cmd.UserID != 0 && cmd.UserID != claims.UserID {
		return eventlog.Position{}, domain.ErrTokenInvalid.Wrap(errors.New("refresh token of another user"))
	}
	res, err := h.runner.Execute(ctx, domain.UserStream(claims.UserID), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		u, err := domain.UserFromHistory(eventsOf(history))
		if err != nil {
			return nil, domain.ErrTokenInvalid.Wrap(err)
		}
		return u.RevokeRefreshToken(claims.JTI, claims.ExpiresAt, h.clock.Now())
	})
	if errors.Is(err, domain.ErrUserNotFound) {
		return eventlog.Position{}, domain.ErrTokenInvalid.Wrap(err)
	}
	return res.Append.Position, err
}
