package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
)

// DB is what Reader needs of a pool (*pgxpool.Pool has it).
type DB interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Reader implements queries/identity.ReadModel over the views
// identity.users and identity.api_tokens.
type Reader struct {
	db DB
}

var _ query.ReadModel = (*Reader)(nil)

// NewReader returns a Reader on db.
func NewReader(db DB) *Reader { return &Reader{db: db} }

const userColumns = `u.id, u.username, u.email, u.has_password, u.is_admin, u.is_active, u.date_joined, u.last_login`

func scanUser(row pgx.Row, extra ...any) (query.User, error) {
	var (
		u         query.User
		lastLogin *time.Time
	)
	dest := append([]any{&u.ID, &u.Username, &u.Email, &u.HasPassword, &u.IsAdmin, &u.IsActive, &u.DateJoined, &lastLogin}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return query.User{}, query.ErrNotFound
		}
		return query.User{}, fmt.Errorf("identity read model: %w", err)
	}
	if lastLogin != nil {
		u.LastLogin = *lastLogin
	}
	return u, nil
}

// UserByID implements query.ReadModel.
func (r *Reader) UserByID(ctx context.Context, id int64) (query.User, error) {
	return scanUser(r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.id = $1`, id))
}

// UserByUsername implements query.ReadModel.
func (r *Reader) UserByUsername(ctx context.Context, username string) (query.User, error) {
	return scanUser(r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.username_key = $1 ORDER BY u.id LIMIT 1`,
		domain.UsernameKey(username)))
}

// UserByEmail implements query.ReadModel.
func (r *Reader) UserByEmail(ctx context.Context, email string) (query.User, error) {
	key := domain.EmailKey(email)
	if key == "" {
		return query.User{}, query.ErrNotFound
	}
	return scanUser(r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.email_key = $1 ORDER BY u.id LIMIT 1`, key))
}

// APITokenByHash implements query.ReadModel.
func (r *Reader) APITokenByHash(ctx context.Context, keyHash string) (query.APIToken, error) {
	var (
		t        query.APIToken
		lastUsed *time.Time
	)
	u, err := scanUser(r.db.QueryRow(ctx, `
SELECT `+userColumns+`, t.token_id, t.key_hash, t.user_id, t.issued_at, t.last_used, t.revoked
  FROM identity.api_tokens t JOIN identity.users u ON u.id = t.user_id
 WHERE t.key_hash = $1
 LIMIT 1`, keyHash), &t.TokenID, &t.KeyHash, &t.UserID, &t.IssuedAt, &lastUsed, &t.Revoked)
	if err != nil {
		return query.APIToken{}, err
	}
	if lastUsed != nil {
		t.LastUsed = *lastUsed
	}
	t.User = u
	return t, nil
}
