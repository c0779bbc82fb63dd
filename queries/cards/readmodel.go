// Package cards answers the card system's queries (seed 002) from its read
// models, one file per query. It reads only the views the projections in
// projections/cards maintain, through the ReadModel port.
//
// # Read model
//
// A batch's cards are never stored one by one: a batch is one row with its id
// range start_id..end_id, and a card gets a row only when it is used. Lists
// of cards are computed from the batch ranges and the used cards in SQL:
// the batches that overlap the requested page are found from running sums of
// their (matching) card counts, and only those batches' ids are generated
// (generate_series) and joined with the used cards, so a page costs the same
// for the first and the millionth card.
//
//	card_templates.templates     one row per template (deleted ones flagged)
//	card_batches.batches         one row per batch: range, code, expiry, flags
//	card_usage.used_cards        one row per used card: the usage log
//	card_usage.batch_usage       used cards per batch (kept with used_cards)
//	card_usage.user_daily_usage  uses per user, day and category (the counts of a user's cards)
//	card_usage.batch_totals      cards per batch for the statistics
//	card_usage.daily_usage       uses per day, category and batch
//	card_usage.daily_user_usage  uses per day, batch and user
//	card_usage.category_totals, daily_category_usage, daily_category_users
//	                             the statistics' tables of live batches
package cards

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The read schemas (projector names) the queries read.
const (
	TemplatesSchema = "card_templates"
	BatchesSchema   = "card_batches"
	UsageSchema     = "card_usage"
	// LegacyStatsSchema is the statistics' own read model until card_usage
	// version 3 took them in; it is read only while that version is built
	// after an upgrade (see statisticsQueries).
	LegacyStatsSchema = "card_stats"
)

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// CardCoder makes the card code of a card (it holds the server's secret).
type CardCoder interface {
	Code(batchCode string, id int64) string
}

// Queries answers the card queries.
type Queries struct {
	db    ReadModel
	coder CardCoder
	// Tables of newer read-model versions, which the queries use once the
	// engine has switched to them (see newerTable).
	usageStats, perDayUsers, categoryUsers, categoryUses, userDays newerTable
}

// New returns the queries over db; coder makes card codes.
func New(db ReadModel, coder CardCoder) *Queries {
	return &Queries{db: db, coder: coder,
		usageStats:    newerTable{name: UsageSchema + ".category_totals"},
		perDayUsers:   newerTable{name: LegacyStatsSchema + ".daily_user_usage"},
		categoryUsers: newerTable{name: LegacyStatsSchema + ".daily_category_users"},
		categoryUses:  newerTable{name: LegacyStatsSchema + ".daily_category_usage"},
		userDays:      newerTable{name: UsageSchema + ".user_daily_usage"}}
}

// newerTable is a table that a newer version of a read model adds. After an
// upgrade the engine builds the new version beside the old one, which keeps
// serving until the new one has caught up; until then a query that uses
// the table answers as the old version did. Once the table was found it is
// not looked for again (read models only move to newer versions): one round
// trip less per request.
type newerTable struct {
	name  string
	found atomic.Bool
}

// exists reports whether the table serves yet.
func (t *newerTable) exists(ctx context.Context, tx pgx.Tx) (bool, error) {
	if t.found.Load() {
		return true, nil
	}
	var found bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, t.name).Scan(&found); err != nil {
		return false, fmt.Errorf("find %s: %w", t.name, err)
	}
	t.found.Store(found)
	return found, nil
}

// snapshot runs f in a read-only repeatable-read transaction, so a query that
// reads several tables sees them at one moment.
func (q *Queries) snapshot(ctx context.Context, f func(tx pgx.Tx) error) error {
	tx, err := q.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
