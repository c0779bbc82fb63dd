package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
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

var _ identityq.ReadModel = (*Reader)(nil)

// NewReader returns a Reader on db.
func NewReader(db DB) *Reader { return &Reader{db: db} }

const userColumns = `u.id, u.username, u.email, u.has_password, u.email_verified, u.is_admin, u.is_active, u.date_joined, u.last_login, u.bio, u.tags, u.birthday, u.visited_countries, u.avatar_key, u.phone, u.gender, u.intro, u.api_key_hash`

func scanUser(row pgx.Row, extra ...any) (identityq.User, error) {
	var (
		u         identityq.User
		lastLogin *time.Time
	)
	dest := append([]any{&u.ID, &u.Username, &u.Email, &u.HasPassword, &u.EmailVerified, &u.IsAdmin, &u.IsActive, &u.DateJoined, &lastLogin, &u.Bio, &u.Tags, &u.Birthday, &u.VisitedCountries, &u.AvatarKey, &u.Phone, &u.Gender, &u.Intro, &u.APIKeyHash}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return identityq.User{}, identityq.ErrNotFound
		}
		return identityq.User{}, fmt.Errorf("identity read model: %w", err)
	}
	if lastLogin != nil {
		u.LastLogin = *lastLogin
	}
	return u, nil
}

// UserByID implements identityq.ReadModel.
func (r *Reader) UserByID(ctx context.Context, id int64) (identityq.User, error) {
	return scanUser(r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.id = $1`, id))
}

// UserByUsername implements identityq.ReadModel.
func (r *Reader) UserByUsername(ctx context.Context, username string) (identityq.User, error) {
	return scanUser(r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.username_key = $1 ORDER BY u.id LIMIT 1`,
		identity.UsernameKey(username)))
}

// UserByEmail implements identityq.ReadModel.
func (r *Reader) UserByEmail(ctx context.Context, email string) (identityq.User, error) {
	key := identity.EmailKey(email)
	if key == "" {
		return identityq.User{}, identityq.ErrNotFound
	}
	return scanUser(r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.email_key = $1 ORDER BY u.id LIMIT 1`, key))
}

// APITokenByHash implements identityq.ReadModel.
func (r *Reader) APITokenByHash(ctx context.Context, keyHash string) (identityq.APIToken, error) {
	var (
		t        identityq.APIToken
		lastUsed *time.Time
	)
	u, err := scanUser(r.db.QueryRow(ctx, `
SELECT `+userColumns+`, t.token_id, t.key_hash, t.user_id, t.issued_at, t.last_used, t.revoked
  FROM identity.api_tokens t JOIN identity.users u ON u.id = t.user_id
 WHERE t.key_hash = $1
 LIMIT 1`, keyHash), &t.TokenID, &t.KeyHash, &t.UserID, &t.IssuedAt, &lastUsed, &t.Revoked)
	if err != nil {
		return identityq.APIToken{}, err
	}
	if lastUsed != nil {
		t.LastUsed = *lastUsed
	}
	t.User = u
	return t, nil
}

// SocialAccounts implements identityq.ReadModel.
func (r *Reader) SocialAccounts(ctx context.Context, userID int64) ([]identityq.SocialAccount, error) {
	rows, err := r.db.Query(ctx, `SELECT provider, nickname, avatar_url, bound_at FROM identity.social_accounts WHERE user_id = $1 ORDER BY provider`, userID)
	if err != nil {
		return nil, fmt.Errorf("identity read model: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (identityq.SocialAccount, error) {
		var s identityq.SocialAccount
		err := row.Scan(&s.Provider, &s.Nickname, &s.AvatarURL, &s.BoundAt)
		return s, err
	})
}

// ContactInfo implements identityq.ReadModel.
func (r *Reader) ContactInfo(ctx context.Context, userID int64) (identityq.ContactInfo, error) {
	var c identityq.ContactInfo
	err := r.db.QueryRow(ctx, `SELECT name, position, department, qq, phone, mobile, first_name, last_name, wechat, description, updated_at
  FROM identity.contact_info WHERE user_id = $1`, userID).
		Scan(&c.Name, &c.Position, &c.Department, &c.QQ, &c.Phone, &c.Mobile, &c.FirstName, &c.LastName, &c.WeChat, &c.Description, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return identityq.ContactInfo{}, nil
	}
	if err != nil {
		return identityq.ContactInfo{}, fmt.Errorf("identity read model: %w", err)
	}
	return c, nil
}

// ListUsers implements identityq.ReadModel: active users by id.
func (r *Reader) ListUsers(ctx context.Context, offset, limit int) ([]identityq.User, int, error) {
	var total int
	if err := r.db.QueryRow(ctx, `SELECT count(*) FROM identity.users WHERE is_active`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("identity read model: %w", err)
	}
	rows, err := r.db.Query(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.is_active ORDER BY u.id OFFSET $1 LIMIT $2`, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("identity read model: %w", err)
	}
	defer rows.Close()
	var out []identityq.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// UserByPhone implements identityq.ReadModel.
func (r *Reader) UserByPhone(ctx context.Context, phone string) (identityq.User, error) {
	if phone == "" {
		return identityq.User{}, identityq.ErrNotFound
	}
	return scanUser(r.db.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users u WHERE u.phone = $1 ORDER BY u.id LIMIT 1`, phone))
}
