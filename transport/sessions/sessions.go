// Package sessions keeps server-side web sessions (Django's "sessionid"
// cookie: 004's logins, captchas and pending resets, and 003's logins) in
// PostgreSQL, so that every server process sees them. Only the SHA-256 of a
// session id is stored. Its table comes from its numbered migrations.
package sessions

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/transport/pgmigrate"
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

// Store stores sessions in PostgreSQL, so that every server process sees
// them; expired rows are deleted as they are met and by Sweep.
type Store struct {
	pool *pgxpool.Pool
	ttl  time.Duration
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the store's numbered migrations (schema "sessions").
func Migrations() pgmigrate.Set {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return pgmigrate.Set{Schema: "sessions", Files: files}
}

// New returns the store; ttl is a session's lifetime (Django's default: two
// weeks). Its migrations must have been applied.
func New(pool *pgxpool.Pool, ttl time.Duration) *Store {
	if ttl <= 0 {
		ttl = 14 * 24 * time.Hour
	}
	return &Store{pool: pool, ttl: ttl}
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte("travel-session:" + id))
	return hex.EncodeToString(sum[:])
}

// New creates an empty session.
func (s *Store) New(ctx context.Context, now time.Time) (Session, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return Session{}, err
	}
	ss := Session{ID: hex.EncodeToString(b), ExpiresAt: now.Add(s.ttl)}
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions.sessions (id_hash, expires_at) VALUES ($1, $2)`, hashID(ss.ID), ss.ExpiresAt)
	return ss, err
}

// Get loads a live session (ok false: none or expired).
func (s *Store) Get(ctx context.Context, id string, now time.Time) (Session, bool, error) {
	if id == "" || len(id) > 128 {
		return Session{}, false, nil
	}
	var (
		ss     = Session{ID: id}
		ce, re *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT user_id, captcha_hash, captcha_expires, reset_email, reset_expires, expires_at
FROM sessions.sessions WHERE id_hash = $1`, hashID(id)).Scan(&ss.UserID, &ss.CaptchaHash, &ce, &ss.ResetEmail, &re, &ss.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, err
	}
	if !now.Before(ss.ExpiresAt) {
		_, _ = s.pool.Exec(ctx, `DELETE FROM sessions.sessions WHERE id_hash = $1`, hashID(id))
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
func (s *Store) SetCaptcha(ctx context.Context, id, answerHash string, expires time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE sessions.sessions SET captcha_hash = $2, captcha_expires = $3 WHERE id_hash = $1`, hashID(id), answerHash, expires)
	return err
}

// TakeCaptcha removes the session's captcha and returns what it was: the
// captcha is single use, right or wrong.
func (s *Store) TakeCaptcha(ctx context.Context, id string) (hash string, expires time.Time, err error) {
	var e *time.Time
	err = s.pool.QueryRow(ctx, `UPDATE sessions.sessions t SET captcha_hash = '', captcha_expires = NULL
FROM (SELECT id_hash, captcha_hash, captcha_expires FROM sessions.sessions WHERE id_hash = $1 FOR UPDATE) old
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
func (s *Store) SetUser(ctx context.Context, id string, user int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE sessions.sessions SET user_id = $2, reset_email = '', reset_expires = NULL WHERE id_hash = $1`, hashID(id), user)
	return err
}

// SetReset remembers the address a reset code was sent to.
func (s *Store) SetReset(ctx context.Context, id, email string, expires time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE sessions.sessions SET reset_email = $2, reset_expires = $3 WHERE id_hash = $1`, hashID(id), email, expires)
	return err
}

// Delete ends a session.
func (s *Store) Delete(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions.sessions WHERE id_hash = $1`, hashID(id))
	return err
}

// Sweep deletes expired sessions.
func (s *Store) Sweep(ctx context.Context, now time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions.sessions WHERE expires_at <= $1`, now)
	return err
}

// Key is the stored key of a session id (operators and tests).
func Key(id string) string { return hashID(id) }
