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
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Reader implements queries/identity.ReadModel over the views
// identity.users and identity.api_tokens.
type Reader struct {
	db DB
}

var _ query.ReadModel = (*Reader)(nil)

// NewReader returns a Reader on db.
func NewReader(db DB) *Reader { return &Reader{db: db} }

const userColumns = `u.id, u.username, u.email, u.has_password, u.email_verified, u.is_admin, u.is_active, u.date_joined, u.last_login, u.bio, u.tags, u.birthday, u.avatar_key, u.phone, u.gender, u.intro, u.api_key_hash`

func scanUser(row pgx.Row, extra ...any) (query.User, error) {
	var (
		u         query.User
		lastLogin *time.Time
	)
	dest := append([]any{&u.ID, &u.Username, &u.Email, &u.HasPassword, &u.EmailVerified, &u.IsAdmin, &u.IsActive, &u.DateJoined, &lastLogin, &u.Bio, &u.Tags, &u.Birthday, &u.AvatarKey, &u.Phone, &u.Gender, &u.Intro, &u.APIKeyHash}, extra...)
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

// SocialAccounts implements query.ReadModel.
func (r *Reader) SocialAccounts(ctx context.Context, userID int64) ([]query.SocialAccount, error) {
	rows, err := r.db.Query(ctx, `SELECT provider, nickname, avatar_url, bound_at FROM identity.social_accounts WHERE user_id = $1 ORDER BY provider`, userID)
	if err != nil {
		return nil, fmt.Errorf("identity read model: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (query.SocialAccount, error) {
		var s query.SocialAccount
		err := row.Scan(&s.Provider, &s.Nickname, &s.AvatarURL, &s.BoundAt)
		return s, err
	})
}

// ContactInfo implements query.ReadModel.
func (r *Reader) ContactInfo(ctx context.Context, userID int64) (query.ContactInfo, error) {
	var c query.ContactInfo
	err := r.db.QueryRow(ctx, `SELECT name, position, department, qq, phone, mobile, updated_at FROM identity.contact_info WHERE user_id = $1`, userID).
		Scan(&c.Name, &c.Position, &c.Department, &c.QQ, &c.Phone, &c.Mobile, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return query.ContactInfo{}, nil
	}
	if err != nil {
		return query.ContactInfo{}, fmt.Errorf("identity read model: %w", err)
	}
	return c, nil
}

// ListUsers implements query.ReadModel: active users by id.
func (r *Reader) ListUsers(ctx context.Context, offset, limit int) ([]query.User, int, error) {
	var total int
	if err := r.db.QueryRow(ctx, `SELECT count(*) FROM identity.users WHERE is_active`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("identity read model: %w", err)
	}
	rows, err := r.db.Query(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.is_active ORDER BY u.id OFFSET $1 LIMIT $2`, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("identity read model: %w", err)
	}
	defer rows.Close()
	var out []query.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// UserByPhone implements query.ReadModel.
func (r *Reader) UserByPhone(ctx context.Context, phone string) (query.User, error) {
	if phone == "" {
		return query.User{}, query.ErrNotFound
	}
	return scanUser(r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.phone = $1 ORDER BY u.id LIMIT 1`, phone))
}
