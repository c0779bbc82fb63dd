package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// TouchAPIToken records a use of an API token, which slides its expiry.
type TouchAPIToken struct {
	Meta     eventlog.Metadata
	TokenID  string
	UserID   int64
	IssuedAt time.Time
}

// TouchAPIToken appends APITokenUsed to the token's stream unless a use was
// recorded less than APITokenTouchInterval ago (zero position then). A token
// that expired meanwhile gives ErrTokenExpired. The Token verifier calls it
// when the read model's last use is older than the interval.
func (h *Handlers) TouchAPIToken(ctx context.Context, cmd TouchAPIToken) (Done, error) {
	if cmd.TokenID == "" || cmd.UserID <= 0 {
		return Done{}, identity.ErrTokenInvalid
	}
	tok := identity.APIToken{ID: cmd.TokenID, UserID: cmd.UserID, IssuedAt: cmd.IssuedAt}
	res, err := h.runner.ExecuteLast(ctx, identity.APITokenStream(cmd.TokenID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var prev *identity.APITokenUsed
		if last != nil {
			u, ok := last.Event.(identity.APITokenUsed)
			if !ok {
				return nil, fmt.Errorf("api token %s: unexpected event %T", cmd.TokenID, last.Event)
			}
			prev = &u
		}
		return identity.TouchAPIToken(prev, tok, h.clock.Now(), h.cfg.APITokenTTL, h.cfg.APITokenTouchInterval)
	})
	return Done{Position: res.Append.Position}, err
}
