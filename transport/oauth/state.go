package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/pgmigrate"
)

// StateTTL is how long an OAuth state stays usable.
const StateTTL = 10 * time.Minute

// States keeps issued OAuth states in PostgreSQL (oauth.states) so that a
// state issued by one server process is accepted once by any process. Only
// the SHA-256 of a state is stored, and the SHA-256 of the browser nonce it
// is bound to: a random value the API keeps in a cookie of the browser that
// asked (24 random bytes as 32 characters of unpadded URL-safe base64;
// roamio's browser cookie).
type States struct{ pool *pgxpool.Pool }

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the states store's numbered migrations (schema "oauth").
func Migrations() pgmigrate.Set {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return pgmigrate.Set{Schema: "oauth", Files: files}
}

// NewStates returns the store; its migrations must have been applied.
func NewStates(pool *pgxpool.Pool) *States { return &States{pool: pool} }

func stateHash(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// Issue returns a new random state for provider, bound to browserNonce (the
// nonce of the browser's cookie) and usable once until now +
// StateTTL. States expired for a day are swept.
func (s *States) Issue(ctx context.Context, provider, browserNonce string, now time.Time) (string, error) {
	if !validNonce(browserNonce) {
		return "", errors.New("oauth: issue OAuth state: no browser nonce")
	}
	state, err := randomToken()
	if err != nil {
		return "", err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO oauth.states (provider, state_hash, browser_hash, expires_at) VALUES ($1, $2, $3, $4)`,
		provider, stateHash(state), stateHash(browserNonce), now.Add(StateTTL).UTC()); err != nil {
		return "", fmt.Errorf("oauth: issue OAuth state: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM oauth.states WHERE expires_at < $1`, now.Add(-24*time.Hour).UTC()); err != nil {
		return "", fmt.Errorf("oauth: sweep OAuth states: %w", err)
	}
	return state, nil
}

// Consume uses a state presented with browserNonce (the nonce of the
// callback's cookie): identity.ErrStateUnknown when it was never issued
// (or was used already), identity.ErrStateExpired when it is past its expiry,
// identity.ErrStateOtherBrowser when the nonce is not the one it was issued to.
// Whatever the answer, the state cannot be used again.
func (s *States) Consume(ctx context.Context, provider, state, browserNonce string, now time.Time) error {
	if state == "" || len(state) > 256 {
		return identity.ErrStateUnknown
	}
	var (
		expires time.Time
		browser string
	)
	err := s.pool.QueryRow(ctx, `DELETE FROM oauth.states WHERE provider = $1 AND state_hash = $2 RETURNING expires_at, browser_hash`,
		provider, stateHash(state)).Scan(&expires, &browser)
	if errors.Is(err, pgx.ErrNoRows) {
		return identity.ErrStateUnknown
	}
	if err != nil {
		return fmt.Errorf("oauth: consume OAuth state: %w", err)
	}
	if !now.Before(expires) {
		return identity.ErrStateExpired
	}
	if !validNonce(browserNonce) || subtle.ConstantTimeCompare([]byte(stateHash(browserNonce)), []byte(browser)) != 1 {
		return identity.ErrStateOtherBrowser
	}
	return nil
}

// tokenLen is the length of randomToken's results: 24 random bytes in
// unpadded URL-safe base64.
const tokenLen = 32

// randomToken returns 24 random bytes, URL-safe.
func randomToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("oauth: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func validNonce(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
