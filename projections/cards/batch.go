package cards

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// usedCards holds a run of CardUsed events column by column, for the
// set-based statements of ApplyBatch (engine.BatchApplier).
type usedCards struct {
	cardID, batchID, templateID, userID []int64
	category, username, ip, agent       []string
	usedAt                              []time.Time
}

func (u *usedCards) add(e cards.CardUsed) {
	u.cardID = append(u.cardID, e.CardID)
	u.batchID = append(u.batchID, e.BatchID)
	u.templateID = append(u.templateID, e.TemplateID)
	u.userID = append(u.userID, e.UserID)
	u.category = append(u.category, string(e.Category))
	u.username = append(u.username, e.Username)
	u.ip = append(u.ip, e.IPAddress)
	u.agent = append(u.agent, e.UserAgent)
	u.usedAt = append(u.usedAt, e.UsedAt)
}

func (u *usedCards) len() int { return len(u.cardID) }

// usedDays returns the UTC days of the uses, for date columns.
func (u *usedCards) usedDays() []time.Time {
	days := make([]time.Time, len(u.usedAt))
	for i, t := range u.usedAt {
		days[i] = day(t)
	}
	return days
}

// applyRuns applies events in order: each run of consecutive CardUsed
// events with one call of uses, every other event with apply.
func applyRuns(ctx context.Context, tx pgx.Tx, events []eventlog.Envelope,
	uses func(context.Context, pgx.Tx, *usedCards) error,
	apply func(context.Context, pgx.Tx, eventlog.Envelope) error) error {
	run := &usedCards{}
	flush := func() error {
		if run.len() == 0 {
			return nil
		}
		err := uses(ctx, tx, run)
		run = &usedCards{}
		return err
	}
	for _, env := range events {
		if e, ok := env.Event.(cards.CardUsed); ok {
			run.add(e)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		if err := apply(ctx, tx, env); err != nil {
			return err
		}
	}
	return flush()
}

// ApplyBatch implements engine.BatchApplier: a run of uses is one
// statement (the rows, then the counts per batch and per user and day),
// whatever its length.
func (u Usage) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventlog.Envelope) error {
	return applyRuns(ctx, tx, events, func(ctx context.Context, tx pgx.Tx, r *usedCards) error {
		_, err := tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO used_cards (card_id, batch_id, template_id, category, user_id, username, ip_address, user_agent, used_at)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
    ON CONFLICT (card_id) DO NOTHING
    RETURNING batch_id, user_id, category, used_at
), batches AS (
    INSERT INTO batch_usage (batch_id, used) SELECT batch_id, count(*) FROM ins GROUP BY batch_id
    ON CONFLICT (batch_id) DO UPDATE SET used = batch_usage.used + EXCLUDED.used
)`+countUserDays,
			r.cardID, r.batchID, r.templateID, r.category, r.userID, r.username, r.ip, r.agent, r.usedAt)
		return err
	}, u.Apply)
}

// ApplyBatch implements engine.BatchApplier: a run of uses is one
// statement, whatever its length: the usage rows, then, from the rows
// actually inserted, the daily counts per batch, per user, and per category
// and user. It writes what Apply writes for each of the events in turn, so a
// rebuild and the live read model hold the same rows.
func (s Stats) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventlog.Envelope) error {
	return applyRuns(ctx, tx, events, func(ctx context.Context, tx pgx.Tx, r *usedCards) error {
		_, err := tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO usage (card_id, batch_id, category, user_id, used_on)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::date[])
    ON CONFLICT (card_id) DO NOTHING
    RETURNING used_on, category, batch_id, user_id
), days AS (
    INSERT INTO daily_usage (day, category, batch_id, count)
    SELECT used_on, category, batch_id, count(*) FROM ins GROUP BY used_on, category, batch_id
    ON CONFLICT (day, category, batch_id) DO UPDATE SET count = daily_usage.count + EXCLUDED.count
), users AS (
    INSERT INTO daily_user_usage (day, batch_id, user_id, count)
    SELECT used_on, batch_id, user_id, count(*) FROM ins GROUP BY used_on, batch_id, user_id
    ON CONFLICT (day, batch_id, user_id) DO UPDATE SET count = daily_user_usage.count + EXCLUDED.count
)`+countLiveUses,
			r.cardID, r.batchID, r.category, r.userID, r.usedDays())
		if err != nil {
			return fmt.Errorf("card_stats: apply %d uses: %w", r.len(), err)
		}
		return nil
	}, s.Apply)
}
