package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/identity"
)

// IssueTokens issues a JWT access/refresh pair to a user who just
// authenticated (Login, Register, later OAuth).
type IssueTokens struct {
	UserID int64
}

// IssueTokens signs the pair; it appends nothing (refresh tokens are
// revoked by jti, see RevokeRefreshToken).
func (h *Handlers) IssueTokens(ctx context.Context, cmd IssueTokens) (TokenPair, error) {
	if cmd.UserID <= 0 {
		return TokenPair{}, identity.ErrUserNotFound
	}
	return h.tokens.IssuePair(cmd.UserID, h.clock.Now())
}
