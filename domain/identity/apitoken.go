package identity

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Default lifetimes of API tokens (001: a token expires 3 hours after it was
// last used; use is recorded at most once a minute).
const (
	DefaultTokenTTL           = 3 * time.Hour
	DefaultTokenTouchInterval = time.Minute
)

// TokenLastUse is when a token was last known to be used: the later of its
// issue and its last recorded use (zero when never used).
func TokenLastUse(issuedAt, lastUsed time.Time) time.Time {
	if lastUsed.After(issuedAt) {
		return lastUsed
	}
	return issuedAt
}

// TokenExpired reports whether a token last used at lastUse has expired at
// now with the sliding lifetime ttl.
func TokenExpired(lastUse, now time.Time, ttl time.Duration) bool {
	return !now.Before(lastUse.Add(ttl))
}

// TouchAPIToken decides whether a use of token at now is recorded on the
// token's stream, whose last event is last (nil when never used). An expired
// token cannot be revived (ErrTokenExpired); a use less than interval after
// the last recorded one is not recorded again.
func TouchAPIToken(last *APITokenUsed, token APIToken, now time.Time, ttl, interval time.Duration) ([]eventlog.Event, error) {
	lastUse := token.IssuedAt
	if last != nil {
		lastUse = TokenLastUse(token.IssuedAt, last.UsedAt)
	}
	if TokenExpired(lastUse, now, ttl) {
		return nil, ErrTokenExpired
	}
	if now.Sub(lastUse) < interval {
		return nil, nil
	}
	return []eventlog.Event{APITokenUsed{TokenID: token.ID, UserID: token.UserID, UsedAt: now.UTC()}}, nil
}
