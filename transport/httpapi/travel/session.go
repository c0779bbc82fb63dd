package travel

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Session is 004's server-side session (Django's): the logged-in user, the
// pending captcha and the pending password reset. Only the SHA-256 of the
// session id is stored.
type Session struct {
	ID             string
	UserID         int64
	CaptchaHash    string
	CaptchaExpires time.Time
	ResetEmail     string
	ResetExpires   time.Time
	ExpiresAt      time.Time
}

// Sessions stores sessions in PostgreSQL, so that every server process sees
// them; expired rows are deleted as they are met and by Sweep.
type Sessions struct {
	pool *pgxpool.Pool
	ttl  time.Duration
}

const sessionDDL = `CREATE SCHEMA IF NOT EXISTS travel;
CREATE TABLE IF NOT EXISTS travel.sessions (
  id_hash         text PRIMARY KEY,
  user_id         bigint NOT NULL DEFAULT 0,
  captcha_hash    text NOT NULL DEFAULT '',
  captcha_expires timestamptz,
  reset_email     text NOT NULL DEFAULT '',
  reset_expires   timestamptz,
  expires_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires ON travel.sessions (expires_at);`

// NewSessions creates the table when needed; ttl is a session's lifetime
// (Django's default: two weeks).
func NewSessions(ctx context.Context, pool *pgxpool.Pool, ttl time.Duration) (*Sessions, error) {
	if _, err := pool.Exec(ctx, sessionDDL); err != nil {
		return nil, fmt.Errorf("travel sessions: %w", err)
	}
	if ttl <= 0 {
		ttl = 14 * 24 * time.Hour
	}
	return &Sessions{pool: pool, ttl: ttl}, nil
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte("travel-session:" + id))
	return hex.EncodeToString(sum[:])
}

// New creates an empty session.
func (s *Sessions) New(ctx context.Context, now time.Time) (Session, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return Session{}, err
	}
	ss := Session{ID: hex.EncodeToString(b), ExpiresAt: now.Add(s.ttl)}
	_, err := s.pool.Exec(ctx, `INSERT INTO travel.sessions (id_hash, expires_at) VALUES ($1, $2)`, hashID(ss.ID), ss.ExpiresAt)
	return ss, err
}

// Get loads a live session (ok false: none or expired).
func (s *Sessions) Get(ctx context.Context, id string, now time.Time) (Session, bool, error) {
	if id == "" || len(id) > 128 {
		return Session{}, false, nil
	}
	var (
		ss     = Session{ID: id}
		ce, re *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT user_id, captcha_hash, captcha_expires, reset_email, reset_expires, expires_at
FROM travel.sessions WHERE id_hash = $1`, hashID(id)).Scan(&ss.UserID, &ss.CaptchaHash, &ce, &ss.ResetEmail, &re, &ss.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, err
	}
	if !now.Before(ss.ExpiresAt) {
		_, _ = s.pool.Exec(ctx, `DELETE FROM travel.sessions WHERE id_hash = $1`, hashID(id))
		return Session{}, false, nil
	}
	if ce != nil {
		ss.CaptchaExpires = *ce
	}
	if re != nil {
		ss.ResetExpires = *re
	}
	return ss, true, nil
}

// SetCaptcha stores a new captcha answer's hash (replacing the old one).
func (s *Sessions) SetCaptcha(ctx context.Context, id, answerHash string, expires time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE travel.sessions SET captcha_hash = $2, captcha_expires = $3 WHERE id_hash = $1`, hashID(id), answerHash, expires)
	return err
}

// TakeCaptcha removes the session's captcha and returns what it was: the
// captcha is single use, right or wrong.
func (s *Sessions) TakeCaptcha(ctx context.Context, id string) (hash string, expires time.Time, err error) {
	var e *time.Time
	err = s.pool.QueryRow(ctx, `UPDATE travel.sessions t SET captcha_hash = '', captcha_expires = NULL
FROM (SELECT id_hash, captcha_hash, captcha_expires FROM travel.sessions WHERE id_hash = $1 FOR UPDATE) old
WHERE t.id_hash = old.id_hash RETURNING old.captcha_hash, old.captcha_expires`, hashID(id)).Scan(&hash, &e)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if e != nil {
		expires = *e
	}
	return hash, expires, err
}

// SetUser logs the session in (0: out) and forgets a pending reset.
func (s *Sessions) SetUser(ctx context.Context, id string, user int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE travel.sessions SET user_id = $2, reset_email = '', reset_expires = NULL WHERE id_hash = $1`, hashID(id), user)
	return err
}

// SetReset remembers the address a reset code was sent to.
func (s *Sessions) SetReset(ctx context.Context, id, email string, expires time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE travel.sessions SET reset_email = $2, reset_expires = $3 WHERE id_hash = $1`, hashID(id), email, expires)
	return err
}

// Delete ends a session.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM travel.sessions WHERE id_hash = $1`, hashID(id))
	return err
}

// Sweep deletes expired sessions.
func (s *Sessions) Sweep(ctx context.Context, now time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM travel.sessions WHERE expires_at <= $1`, now)
	return err
}

// SessionKey is the stored key of a session id (operators and tests).
func SessionKey(id string) string { return hashID(id) }

// CaptchaKey is the stored form of a captcha answer (operators and tests).
func CaptchaKey(answer string) string { return captchaHash(answer) }
