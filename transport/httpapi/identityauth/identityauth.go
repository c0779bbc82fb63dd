// Package identityauth verifies the credentials of the identity context for
// every seed API: "Authorization: Bearer <JWT access token>" (000),
// "Authorization: Token <key>" (001, sliding 3-hour expiry) and
// "Authorization: ApiKey <user>:<key>" (003). Each resolves to an
// authn.Principal whose UserID is the decimal user id ("42"). It also holds
// the JWT dialect 000's two APIs share (jwt.go: simplejwt's refusals, the
// login, social login and refresh flows).
package identityauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// Clock tells the time credentials are checked at.
type Clock interface{ Now() time.Time }

// Waiter blocks until the named projections have applied the log up to pos
// (the projection engine).
type Waiter interface {
	WaitFor(ctx context.Context, pos eventlog.Position, projections ...string) error
}

// AccessTokens verifies JWT access tokens (identitycmd.Tokens).
type AccessTokens interface {
	ParseAccess(token string, now time.Time) (identitycmd.TokenClaims, error)
}

// Users reads accounts (identityq.Queries).
type Users interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
}

// APITokens finds API tokens by key digest (identityq.Queries).
type APITokens interface {
	APITokenByHash(ctx context.Context, q identityq.APITokenByHash) (identityq.APIToken, error)
}

// Toucher records a token's use (identitycmd.Handlers).
type Toucher interface {
	TouchAPIToken(ctx context.Context, cmd identitycmd.TouchAPIToken) (identitycmd.Done, error)
}

// Errors wrapped with authn.ErrInvalidCredentials, so that an API can tell an
// expired credential from a bad one (errors.Is).
var (
	ErrExpired  = identity.ErrTokenExpired
	ErrInactive = identity.ErrUserInactive
)

func invalid(cause error) error {
	return fmt.Errorf("%w: %w", authn.ErrInvalidCredentials, cause)
}

func principal(u identityq.User, scheme string) authn.Principal {
	return authn.Principal{UserID: strconv.FormatInt(u.ID, 10), Username: u.Username, IsAdmin: u.IsAdmin, Scheme: scheme}
}

// user loads the account a credential names; unknown and inactive accounts
// are invalid credentials.
func user(ctx context.Context, users Users, id int64) (identityq.User, error) {
	u, err := users.UserByID(ctx, identityq.UserByID{ID: id})
	if errors.Is(err, identityq.ErrNotFound) {
		return identityq.User{}, invalid(identity.ErrUserNotFound)
	}
	if err != nil {
		return identityq.User{}, err
	}
	if !u.IsActive {
		return identityq.User{}, invalid(ErrInactive)
	}
	return u, nil
}

// Bearer verifies "Authorization: Bearer <access token>".
type Bearer struct {
	tokens AccessTokens
	users  Users
	clock  Clock
}

// NewBearer returns the Bearer verifier.
func NewBearer(tokens AccessTokens, users Users, clock Clock) *Bearer {
	return &Bearer{tokens: tokens, users: users, clock: clock}
}

// Scheme implements authn.Verifier.
func (*Bearer) Scheme() string { return "bearer" }

// Verify implements authn.Verifier: signature, algorithm (HS256 only), type
// "access" and expiry, then the account must exist and be active.
func (b *Bearer) Verify(ctx context.Context, credentials string) (authn.Principal, error) {
	claims, err := b.tokens.ParseAccess(credentials, b.clock.Now())
	if err != nil {
		return authn.Principal{}, invalid(err)
	}
	u, err := user(ctx, b.users, claims.UserID)
	if err != nil {
		return authn.Principal{}, err
	}
	return principal(u, "bearer"), nil
}

// TokenConfig configures the Token verifier.
type TokenConfig struct {
	// TTL is the sliding lifetime (default 3 h) and TouchInterval how often a
	// use is recorded (default 1 min); take both from identitycmd.Config.
	TTL           time.Duration
	TouchInterval time.Duration
	// Waiter, when set, is waited on (bounded by WaitTimeout, default 2 s)
	// after a use was recorded, so that the next request sees the slid
	// expiry in the read model.
	Waiter      Waiter
	WaitTimeout time.Duration
	Logger      *slog.Logger
}

// Token verifies "Authorization: Token <key>".
type Token struct {
	tokens  APITokens
	toucher Toucher
	clock   Clock
	cfg     TokenConfig
}

// NewToken returns the Token verifier.
func NewToken(tokens APITokens, toucher Toucher, clock Clock, cfg TokenConfig) *Token {
	if cfg.TTL <= 0 {
		cfg.TTL = identity.DefaultTokenTTL
	}
	if cfg.TouchInterval <= 0 {
		cfg.TouchInterval = identity.DefaultTokenTouchInterval
	}
	if cfg.WaitTimeout <= 0 {
		cfg.WaitTimeout = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Token{tokens: tokens, toucher: toucher, clock: clock, cfg: cfg}
}

// Scheme implements authn.Verifier.
func (*Token) Scheme() string { return "token" }

// Verify implements authn.Verifier: the key's digest must name a token that
// is not revoked and was used (or issued) less than TTL ago, of an active
// account. A use more than TouchInterval after the last recorded one is
// recorded (APITokenUsed), which slides the expiry.
func (t *Token) Verify(ctx context.Context, credentials string) (authn.Principal, error) {
	if credentials == "" || len(credentials) > 256 {
		return authn.Principal{}, invalid(identity.ErrTokenInvalid)
	}
	tok, err := t.tokens.APITokenByHash(ctx, identityq.APITokenByHash{KeyHash: identity.HashTokenKey(credentials)})
	if errors.Is(err, identityq.ErrNotFound) {
		return authn.Principal{}, invalid(identity.ErrTokenInvalid)
	}
	if err != nil {
		return authn.Principal{}, err
	}
	now := t.clock.Now()
	switch {
	case tok.Revoked:
		return authn.Principal{}, invalid(identity.ErrTokenRevoked)
	case identity.TokenExpired(tok.LastUse(), now, t.cfg.TTL):
		return authn.Principal{}, invalid(ErrExpired)
	case !tok.User.IsActive:
		return authn.Principal{}, invalid(ErrInactive)
	}
	p := principal(tok.User, "token")
	if now.Sub(tok.LastUse()) >= t.cfg.TouchInterval {
		meta := eventlog.Metadata{UserID: p.UserID, OccurredAt: now.UTC()}
		touched, err := t.toucher.TouchAPIToken(ctx, identitycmd.TouchAPIToken{Meta: meta, TokenID: tok.TokenID, UserID: tok.UserID, IssuedAt: tok.IssuedAt})
		pos := touched.Position
		switch {
		case errors.Is(err, identity.ErrTokenExpired):
			// The log knows better than the read model: it did expire.
			return authn.Principal{}, invalid(ErrExpired)
		case err != nil:
			// The request is still authentic; the next one records the use.
			t.cfg.Logger.Warn("identityauth: record token use", "token_id", tok.TokenID, "err", err)
		case !pos.IsStart() && t.cfg.Waiter != nil:
			wctx, cancel := context.WithTimeout(ctx, t.cfg.WaitTimeout)
			_ = t.cfg.Waiter.WaitFor(wctx, pos, identityq.ProjectionName)
			cancel()
		}
	}
	return p, nil
}

// Verifiers returns the verifiers over the identity commands and queries,
// with the token lifetimes of the commands' configuration. When waiter also
// tells read-model versions (ReadModelVersions), the bearer verifier reads
// users through CachedUsers.
func Verifiers(cmds *identitycmd.Handlers, queries *identityq.Queries, clock Clock, waiter Waiter, logger *slog.Logger) []authn.Verifier {
	cfg := cmds.Config()
	var users Users = queries
	if v, ok := waiter.(ReadModelVersions); ok {
		users = NewCachedUsers(queries, v)
	}
	return []authn.Verifier{
		NewBearer(cmds.Tokens(), users, clock),
		NewToken(queries, cmds, clock, TokenConfig{TTL: cfg.APITokenTTL, TouchInterval: cfg.APITokenTouchInterval, Waiter: waiter, Logger: logger}),
		NewAPIKey(queries),
	}
}

// UsersByName finds accounts by username (identityq.Queries).
type UsersByName interface {
	UserByUsername(ctx context.Context, q identityq.UserByUsername) (identityq.User, error)
}

// APIKey verifies 003's "Authorization: ApiKey <username>:<key>".
type APIKey struct {
	users UsersByName
}

// NewAPIKey returns the ApiKey verifier.
func NewAPIKey(users UsersByName) *APIKey { return &APIKey{users: users} }

// Scheme implements authn.Verifier.
func (*APIKey) Scheme() string { return "apikey" }

// Verify implements authn.Verifier: the key's SHA-256 must be the user's
// current API key's, of an active account.
func (k *APIKey) Verify(ctx context.Context, credentials string) (authn.Principal, error) {
	name, key, ok := strings.Cut(credentials, ":")
	if !ok || name == "" || len(key) != 40 {
		return authn.Principal{}, invalid(identity.ErrTokenInvalid)
	}
	u, err := k.users.UserByUsername(ctx, identityq.UserByUsername{Username: name})
	if errors.Is(err, identityq.ErrNotFound) {
		return authn.Principal{}, invalid(identity.ErrTokenInvalid)
	}
	if err != nil {
		return authn.Principal{}, err
	}
	sum := sha256.Sum256([]byte(key))
	if u.APIKeyHash == "" || subtle.ConstantTimeCompare([]byte(u.APIKeyHash), []byte(hex.EncodeToString(sum[:]))) != 1 {
		return authn.Principal{}, invalid(identity.ErrTokenInvalid)
	}
	if !u.IsActive {
		return authn.Principal{}, invalid(ErrInactive)
	}
	return principal(u, "apikey"), nil
}
