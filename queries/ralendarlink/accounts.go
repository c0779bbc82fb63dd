// Package ralendarlink answers the queries of Roamio's bound Ralendar
// accounts from the read model projections/ralendarlink maintains
// (ralendarlink.accounts).
package ralendarlink

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read.
const ProjectionName = "ralendarlink"

// ReadModel is the PostgreSQL the read models live in.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Queries answers the account queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Account is a bound account as its user sees it.
type Account struct {
	ID              int64
	Username        string
	Email           string
	Avatar          string
	IsDefault       bool
	AccessExpiresAt time.Time
	TokenRejected   bool
	CreatedAt       time.Time
	LastSyncedAt    *time.Time
}

// Accounts returns a user's accounts, the default first, then by binding.
func (q *Queries) Accounts(ctx context.Context, userID int64) ([]Account, error) {
	rows, err := q.db.Query(ctx, `SELECT account_id, username, email, avatar, is_default, access_expires_at, token_rejected, created_at, last_synced_at
FROM `+ProjectionName+`.accounts WHERE user_id = $1 ORDER BY is_default DESC, account_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("ralendar accounts of user %d: %w", userID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Account])
	if err != nil {
		return nil, fmt.Errorf("ralendar accounts of user %d: %w", userID, err)
	}
	return out, nil
}
