package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/identity"
)

// JWT token types (the token_type claim, as djangorestframework-simplejwt
// writes it).
const (
	TokenTypeAccess  = "access"
	TokenTypeRefresh = "refresh"
)

// TokenPair is what a login answers under "access" and "refresh".
type TokenPair struct {
	Access         string
	Refresh        string
	AccessExpires  time.Time
	RefreshExpires time.Time
}

// TokenClaims are the verified claims of a JWT.
type TokenClaims struct {
	UserID    int64
	TokenType string
	JTI       string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Tokens issues and verifies the JWTs of 000's auth section: HS256, claims
// token_type, user_id (a decimal string, as simplejwt ≥ 5.3 writes it),
// jti, iat and exp.
type Tokens struct {
	key        []byte
	accessTTL  time.Duration
	refreshTTL time.Duration
	verified   verifiedTokens
}

// verifiedTokens remembers access tokens that verified, by their exact
// text, with their claims, until they expire. A client sends the same
// access token with every request of its lifetime, and verifying it
// (base64, JSON, HMAC-SHA256) was 6–7 % of the server's CPU under the card
// uses of docs/benchmarks.md (2). Only a token that verified is kept, so
// an entry is found only by presenting that token again; an entry is used
// only before its exp, as the parser would (a token has no nbf). At most
// verifiedTokensMax are kept: a full cache is emptied.
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[string]TokenClaims
}

const verifiedTokensMax = 8192

func (v *verifiedTokens) get(token string, now time.Time) (TokenClaims, bool) {
	v.mu.RLock()
	c, ok := v.m[token]
	v.mu.RUnlock()
	return c, ok && now.Before(c.ExpiresAt)
}

func (v *verifiedTokens) put(token string, c TokenClaims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= verifiedTokensMax {
		v.m = make(map[string]TokenClaims)
	}
	v.m[token] = c
}

// NewTokens returns a JWT issuer/verifier with secret and lifetimes.
func NewTokens(secret []byte, accessTTL, refreshTTL time.Duration) *Tokens {
	return &Tokens{key: secret, accessTTL: accessTTL, refreshTTL: refreshTTL}
}

type jwtClaims struct {
	TokenType string      `json:"token_type"`
	UserID    userIDClaim `json:"user_id"`
	jwt.RegisteredClaims
}

// userIDClaim is written as a string and read as a string or a number
// (simplejwt before 5.3 wrote the number).
type userIDClaim string

func (u *userIDClaim) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*u = userIDClaim(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*u = userIDClaim(n.String())
	return nil
}

// IssuePair issues an access and a refresh token for user at now.
func (t *Tokens) IssuePair(user int64, now time.Time) (TokenPair, error) {
	access, aexp, err := t.issue(user, TokenTypeAccess, t.accessTTL, now)
	if err != nil {
		return TokenPair{}, err
	}
	refresh, rexp, err := t.issue(user, TokenTypeRefresh, t.refreshTTL, now)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{Access: access, Refresh: refresh, AccessExpires: aexp, RefreshExpires: rexp}, nil
}

// IssueAccess issues an access token for user at now.
func (t *Tokens) IssueAccess(user int64, now time.Time) (string, time.Time, error) {
	return t.issue(user, TokenTypeAccess, t.accessTTL, now)
}

func (t *Tokens) issue(user int64, typ string, ttl time.Duration, now time.Time) (string, time.Time, error) {
	exp := now.Add(ttl)
	c := jwtClaims{
		TokenType: typ,
		UserID:    userIDClaim(identity.FormatUserID(user)),
		RegisteredClaims: jwt.RegisteredClaims{
			ID:        strings.ReplaceAll(uuid.NewString(), "-", ""),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign %s token: %w", typ, err)
	}
	// NumericDate has second precision; report what the token says.
	return s, c.ExpiresAt.Time, nil
}

// ParseAccess verifies an access token at now. Any failure (bad signature,
// other algorithm, expired, wrong type, bad user id) is ErrTokenInvalid.
func (t *Tokens) ParseAccess(token string, now time.Time) (TokenClaims, error) {
	if c, ok := t.verified.get(token, now); ok {
		return c, nil
	}
	c, err := t.parse(token, TokenTypeAccess, now)
	if err == nil {
		t.verified.put(token, c)
	}
	return c, err
}

// ParseRefresh verifies a refresh token at now (not its revocation, which
// the user stream knows).
func (t *Tokens) ParseRefresh(token string, now time.Time) (TokenClaims, error) {
	return t.parse(token, TokenTypeRefresh, now)
}

func (t *Tokens) parse(token, typ string, now time.Time) (TokenClaims, error) {
	var c jwtClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithExpirationRequired(),
	)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return TokenClaims{}, identity.ErrTokenInvalid.Wrap(identity.ErrTokenExpired)
		}
		return TokenClaims{}, identity.ErrTokenInvalid.Wrap(err)
	}
	if c.TokenType != typ {
		return TokenClaims{}, identity.ErrTokenInvalid.Wrap(fmt.Errorf("token type %q, want %q", c.TokenType, typ))
	}
	id, ok := identity.ParseUserID(string(c.UserID))
	if !ok || c.ID == "" {
		return TokenClaims{}, identity.ErrTokenInvalid.Wrap(errors.New("token has no user_id or jti"))
	}
	out := TokenClaims{UserID: id, TokenType: c.TokenType, JTI: c.ID, ExpiresAt: c.ExpiresAt.Time}
	if c.IssuedAt != nil {
		out.IssuedAt = c.IssuedAt.Time
	}
	return out, nil
}

// apiTokenKeys derives API token keys from token ids: the 40 hex characters
// of HMAC-SHA256(secret, "apitoken:"+id), the shape of a DRF Token key. The
// event log holds only the key's SHA-256, yet a user's current key can be
// handed out again, as DRF's ObtainAuthToken does.
type apiTokenKeys struct{ secret []byte }

func newAPITokenKeys(secret, jwtSecret []byte) apiTokenKeys {
	if len(secret) == 0 {
		m := hmac.New(sha256.New, jwtSecret)
		m.Write([]byte("fiveapis identity api token keys"))
		secret = m.Sum(nil)
	}
	return apiTokenKeys{secret: secret}
}

func (k apiTokenKeys) key(tokenID string) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte("apitoken:" + tokenID))
	return hex.EncodeToString(m.Sum(nil))[:40]
}
