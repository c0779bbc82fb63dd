package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// GetAPIToken logs in with a username (or e-mail) and password and returns
// the user's "Authorization: Token" key (001's POST /auth/get-token/).
type GetAPIToken struct {
	Meta     eventlog.Metadata
	Username string
	Password string
}

// APITokenGranted is the key to hand to the client (never stored) and what
// happened.
type APITokenGranted struct {
	Key     string
	TokenID string
	User    UserInfo
	// Issued is false when the user's current, still valid key was handed
	// out again.
	Issued   bool
	Position eventlog.Position
}

// GetAPIToken authenticates like Login and, in the same append to the
// user's stream, issues a new API token unless the current one is still
// valid, like DRF's ObtainAuthToken (one token per user). A reused token's
// expiry slides as if it had been used. The attempt limits of Login apply.
func (h *Handlers) GetAPIToken(ctx context.Context, cmd GetAPIToken) (APITokenGranted, error) {
	var out APITokenGranted
	user, pos, err := h.passwordLogin(ctx, cmd.Username, plainSecret(cmd.Password), cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		return h.grantAPIToken(ctx, u, &out)
	})
	if err != nil {
		return APITokenGranted{}, err
	}
	out.User, out.Position = infoOf(user), pos
	if !out.Issued {
		cur, _ := user.CurrentAPIToken()
		touched, err := h.TouchAPIToken(ctx, TouchAPIToken{Meta: cmd.Meta, TokenID: cur.ID, UserID: user.ID(), IssuedAt: cur.IssuedAt})
		if err != nil && !errors.Is(err, identity.ErrTokenExpired) {
			return APITokenGranted{}, err
		}
		out.Position = maxPos(out.Position, touched.Position)
	}
	return out, nil
}

// apiTokenLastUse reads when a token was last used from its usage stream.
func (h *Handlers) apiTokenLastUse(ctx context.Context, tok identity.APIToken) (time.Time, error) {
	last, _, err := h.store.LoadLast(ctx, identity.APITokenStream(tok.ID))
	if err != nil {
		return tok.IssuedAt, err
	}
	if last == nil {
		return tok.IssuedAt, nil
	}
	used, ok := last.Event.(identity.APITokenUsed)
	if !ok {
		return tok.IssuedAt, fmt.Errorf("api token %s: unexpected event %T", tok.ID, last.Event)
	}
	return identity.TokenLastUse(tok.IssuedAt, used.UsedAt), nil
}
