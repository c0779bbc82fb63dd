// Package identity projects the identity events into the read model the
// identity queries read: the projector "identity" with the tables users and
// api_tokens (exposed to queries as identity.users and identity.api_tokens),
// and Reader, the queries' ReadModel port over those views.
package identity

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
)

// Name is the projector's name: its checkpoint key and read schema.
const Name = query.ProjectionName

//go:embed schema.sql
var schema string

// Projector builds the identity read model.
type Projector struct{}

// NewProjector returns the identity projector.
func NewProjector() *Projector { return &Projector{} }

// Name implements engine.Projector.
func (*Projector) Name() string { return Name }

// Version implements engine.Projector; bump it when schema.sql or Apply
// changes what the rows hold.
func (*Projector) Version() int { return 1 }

// Schema implements engine.Projector.
func (*Projector) Schema() string { return schema }

// Filter implements engine.Projector: the user and API token streams.
func (*Projector) Filter() eventlog.Filter {
	return eventlog.Filter{
		Categories: []string{domain.UserCategory, domain.APITokenCategory},
		EventTypes: []string{
			domain.EventUserRegistered, domain.EventPasswordChanged, domain.EventUserLoggedIn,
			domain.EventAdminGranted, domain.EventAdminRevoked,
			domain.EventAPITokenIssued, domain.EventAPITokenUsed, domain.EventAPITokenRevoked,
		},
	}
}

// Apply implements engine.Projector. Every statement is idempotent and
// order-safe for one stream, so replaying the log rebuilds the same rows.
func (*Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case domain.UserRegistered:
		_, err = tx.Exec(ctx, `
INSERT INTO users (id, username, username_key, email, email_key, has_password, date_joined)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO NOTHING`,
			e.UserID, e.Username, domain.UsernameKey(e.Username), e.Email, domain.EmailKey(e.Email), e.PasswordHash != "", e.RegisteredAt)
	case domain.PasswordChanged:
		_, err = tx.Exec(ctx, `UPDATE users SET has_password = true WHERE id = $1`, e.UserID)
	case domain.UserLoggedIn:
		_, err = tx.Exec(ctx, `UPDATE users SET last_login = GREATEST(last_login, $2) WHERE id = $1`, e.UserID, e.LoggedInAt)
	case domain.AdminGranted:
		_, err = tx.Exec(ctx, `UPDATE users SET is_admin = true WHERE id = $1`, e.UserID)
	case domain.AdminRevoked:
		_, err = tx.Exec(ctx, `UPDATE users SET is_admin = false WHERE id = $1`, e.UserID)
	case domain.APITokenIssued:
		_, err = tx.Exec(ctx, `
INSERT INTO api_tokens (token_id, key_hash, user_id, issued_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (token_id) DO NOTHING`, e.TokenID, e.KeyHash, e.UserID, e.IssuedAt)
	case domain.APITokenUsed:
		_, err = tx.Exec(ctx, `UPDATE api_tokens SET last_used = GREATEST(last_used, $2) WHERE token_id = $1`, e.TokenID, e.UsedAt)
	case domain.APITokenRevoked:
		_, err = tx.Exec(ctx, `
UPDATE api_tokens SET revoked = true, revoked_at = $2, revoke_reason = $3
 WHERE token_id = $1 AND NOT revoked`, e.TokenID, e.RevokedAt, e.Reason)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("identity projection: %s %s@%d: %w", env.Event.EventType(), env.Recorded.StreamID, env.Recorded.Version, err)
	}
	return nil
}
