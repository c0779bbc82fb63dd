// Package ralendarlink holds the read model of Roamio's bound Ralendar
// accounts (projector "ralendarlink"): queries/ralendarlink reads
// ralendarlink.accounts. No token is in it.
package ralendarlink

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/ralendarlink"
	"github.com/fiveapis/backend/projections/engine"
	ralendarlinkq "github.com/fiveapis/backend/queries/ralendarlink"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per standing account.
type Projector struct{}

func (Projector) Name() string { return ralendarlinkq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{ralendarlink.Category}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE accounts (
    user_id           bigint      NOT NULL,
    account_id        bigint      NOT NULL,
    username          text        NOT NULL,
    email             text        NOT NULL,
    avatar            text        NOT NULL,
    is_default        boolean     NOT NULL DEFAULT false,
    access_expires_at timestamptz NOT NULL,
    token_rejected    boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL,
    last_synced_at    timestamptz,
    PRIMARY KEY (user_id, account_id)
);
`
}

func setDefault(ctx context.Context, tx pgx.Tx, user, account int64) error {
	_, err := tx.Exec(ctx, `UPDATE accounts SET is_default = (account_id = $2) WHERE user_id = $1`, user, account)
	return err
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case ralendarlink.RalendarAccountBound:
		_, err = tx.Exec(ctx, `INSERT INTO accounts (user_id, account_id, username, email, avatar, access_expires_at, created_at)
VALUES ($1,$2,$3,$4,$5,$6,$7)
ON CONFLICT (user_id, account_id) DO UPDATE SET username = $3, email = $4, avatar = $5, access_expires_at = $6, token_rejected = false`,
			e.UserID, e.AccountID, e.Profile.Username, e.Profile.Email, e.Profile.Avatar, e.Tokens.AccessExpires, e.BoundAt)
		if err == nil && e.IsDefault {
			err = setDefault(ctx, tx, e.UserID, e.AccountID)
		}
	case ralendarlink.RalendarAccountTokensRenewed:
		_, err = tx.Exec(ctx, `UPDATE accounts SET access_expires_at = $3, token_rejected = false WHERE user_id = $1 AND account_id = $2`,
			e.UserID, e.AccountID, e.Tokens.AccessExpires)
	case ralendarlink.RalendarAccountTokenRejected:
		_, err = tx.Exec(ctx, `UPDATE accounts SET token_rejected = true WHERE user_id = $1 AND account_id = $2`, e.UserID, e.AccountID)
	case ralendarlink.RalendarAccountSynced:
		_, err = tx.Exec(ctx, `UPDATE accounts SET last_synced_at = $3 WHERE user_id = $1 AND account_id = $2`, e.UserID, e.AccountID, e.SyncedAt)
	case ralendarlink.RalendarAccountDefaultSet:
		err = setDefault(ctx, tx, e.UserID, e.AccountID)
	case ralendarlink.RalendarAccountUnbound:
		_, err = tx.Exec(ctx, `DELETE FROM accounts WHERE user_id = $1 AND account_id = $2`, e.UserID, e.AccountID)
	}
	return err
}
