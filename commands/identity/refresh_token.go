package identity

import (
	"context"
	"errors"
	"time"

	"github.com/fiveapis/backend/domain/identity"
)

// RefreshToken exchanges a refresh token for a new access token.
type RefreshToken struct {
	Refresh string
}

// Refreshed is the new access token.
type Refreshed struct {
	Access        string
	AccessExpires time.Time
	UserID        int64
}

// RefreshToken verifies the refresh token's signature, type and expiry, then
// that its user is active and its jti not revoked (from the user's stream).
// Every failure is ErrTokenInvalid (or a wrapped cause).
func (h *Handlers) RefreshToken(ctx context.Context, cmd RefreshToken) (Refreshed, error) {
	now := h.clock.Now()
	claims, err := h.tokens.ParseRefresh(cmd.Refresh, now)
	if err != nil {
		return Refreshed{}, err
	}
	u, err := h.loadUser(ctx, claims.UserID)
	if errors.Is(err, identity.ErrUserNotFound) {
		return Refreshed{}, identity.ErrTokenInvalid.Wrap(err)
	}
	if err != nil {
		return Refreshed{}, err
	}
	if err := u.CheckRefresh(claims.JTI); err != nil {
		return Refreshed{}, identity.ErrTokenInvalid.Wrap(err)
	}
	access, exp, err := h.tokens.IssueAccess(u.ID(), now)
	if err != nil {
		return Refreshed{}, err
	}
	return Refreshed{Access: access, AccessExpires: exp, UserID: u.ID()}, nil
}
