package oauth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/pgmigrate"

	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/oauth"
	"github.com/fiveapis/backend/transport/pgtest"
)

// newNonce is a browser nonce as the API's cookie holds it: 24 random bytes,
// unpadded URL-safe base64.
func newNonce(t *testing.T) string {
	t.Helper()
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// TestStatesBoundToBrowser issues states on the real PostgreSQL and uses
// them from the browser they were issued to, from another one, late and
// twice.
func TestStatesBoundToBrowser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgmigrate.Up(ctx, pool, oauth.Migrations()); err != nil {
		t.Fatal(err)
	}
	states := oauth.NewStates(pool)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

	// The API keeps a random nonce in a cookie of the browser that asked
	// (roamio's browser cookie); the store binds states to it.
	nonce, other := newNonce(t), newNonce(t)
	if _, err := states.Issue(ctx, "qq", "", now); err == nil {
		t.Error("state issued without a browser nonce")
	}
	if _, err := states.Issue(ctx, "qq", "short", now); err == nil {
		t.Error("state issued for a malformed browser nonce")
	}

	issue := func() string {
		s, err := states.Issue(ctx, "qq", nonce, now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name    string
		state   string
		browser string
		at      time.Time
		want    error
	}{
		{"same browser", issue(), nonce, now.Add(time.Minute), nil},
		{"no cookie", issue(), "", now, identity.ErrStateOtherBrowser},
		{"another browser", issue(), other, now, identity.ErrStateOtherBrowser},
		{"expired", issue(), nonce, now.Add(oauth.StateTTL), identity.ErrStateExpired},
		{"unknown", "forged", nonce, now, identity.ErrStateUnknown},
	}
	for _, tt := range tests {
		if err := states.Consume(ctx, "qq", tt.state, tt.browser, tt.at); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		// Whatever the answer, a state is used once.
		if err := states.Consume(ctx, "qq", tt.state, nonce, now); !errors.Is(err, identity.ErrStateUnknown) {
			t.Errorf("%s, again: %v", tt.name, err)
		}
	}
	if err := states.Consume(ctx, "acwing", issue(), nonce, now); !errors.Is(err, identity.ErrStateUnknown) {
		t.Errorf("another provider's state: %v", err)
	}
}
