package providers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// StateTTL is how long an OAuth state stays usable.
const StateTTL = 10 * time.Minute

// Refusals of a state at the callback.
var (
	ErrStateUnknown = errors.New("providers: OAuth state unknown or already used")
	ErrStateExpired = errors.New("providers: OAuth state expired")
)

// States keeps issued OAuth states in PostgreSQL (oauth.states) so that a
// state issued by one server process is accepted once by any process. Only
// the SHA-256 of a state is stored.
type States struct{ pool *pgxpool.Pool }

const statesDDL = `CREATE SCHEMA IF NOT EXISTS oauth;
CREATE TABLE IF NOT EXISTS oauth.states (
  provider   text NOT NULL,
  state_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (provider, state_hash)
);
CREATE INDEX IF NOT EXISTS states_expires_at ON oauth.states (expires_at);`

// NewStates creates the table when needed (under an advisory lock, as
// several processes may start at once).
func NewStates(ctx context.Context, pool *pgxpool.Pool) (*States, error) {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('oauth.states'))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, statesDDL)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &States{pool: pool}, nil
}

func stateHash(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// Issue returns a new random state for provider, usable once until now +
// StateTTL. States expired for a day are swept.
func (s *States) Issue(ctx context.Context, provider string, now time.Time) (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	state := base64.RawURLEncoding.EncodeToString(b[:])
	if _, err := s.pool.Exec(ctx, `INSERT INTO oauth.states (provider, state_hash, expires_at) VALUES ($1, $2, $3)`,
		provider, stateHash(state), now.Add(StateTTL).UTC()); err != nil {
		return "", err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM oauth.states WHERE expires_at < $1`, now.Add(-24*time.Hour).UTC()); err != nil {
		return "", err
	}
	return state, nil
}

// Consume uses a state: ErrStateUnknown when it was never issued (or was
// used already), ErrStateExpired when it is past its expiry. Either way it
// cannot be used again.
func (s *States) Consume(ctx context.Context, provider, state string, now time.Time) error {
	if state == "" || len(state) > 256 {
		return ErrStateUnknown
	}
	var expires time.Time
	err := s.pool.QueryRow(ctx, `DELETE FROM oauth.states WHERE provider = $1 AND state_hash = $2 RETURNING expires_at`,
		provider, stateHash(state)).Scan(&expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrStateUnknown
	}
	if err != nil {
		return err
	}
	if !now.Before(expires) {
		return ErrStateExpired
	}
	return nil
}
