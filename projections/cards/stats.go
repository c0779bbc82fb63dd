package cards

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	cardsq "github.com/fiveapis/backend/queries/cards"
)

// Stats is the read model of the usage statistics (card_stats): cards per
// batch (batch_totals), used cards (usage), uses per day, category and batch
// (daily_usage) and uses per day, batch and user (daily_user_usage).
// Everything the statistics answer comes from this one projector, so its
// numbers always describe the same prefix of the log: the daily counts add up
// to the used cards, exactly.
//
// usage, one row per used card, is only the exactly-once guard: a use counts
// when its card's row is inserted (ON CONFLICT (card_id) DO NOTHING), and the
// same statement adds it to the two daily tables. The statistics query reads
// only batch_totals and the daily tables, whose size grows with days × batches
// (× users), not with uses; unique_users needs the user dimension, which is
// why daily_user_usage exists beside the smaller daily_usage.
type Stats struct{}

func (Stats) Name() string { return cardsq.StatsSchema }

// Version 2 added daily_user_usage; a new version makes the engine rebuild
// the read model from the log beside the serving one and switch when caught up.
func (Stats) Version() int { return 2 }

func (Stats) Filter() eventlog.Filter {
	return eventlog.Filter{
		Categories: []string{cards.BatchCategory, cards.CardCategory},
		EventTypes: []string{cards.EventBatchCreated, cards.EventBatchDeleted, cards.EventCardUsed},
	}
}

func (Stats) Schema() string {
	return `
CREATE TABLE batch_totals (
    batch_id   bigint PRIMARY KEY,
    category   text    NOT NULL,
    total      integer NOT NULL,
    created_on date    NOT NULL,
    is_deleted boolean NOT NULL DEFAULT false
);
CREATE TABLE usage (
    card_id  bigint PRIMARY KEY,
    batch_id bigint NOT NULL,
    category text   NOT NULL,
    user_id  bigint NOT NULL,
    used_on  date   NOT NULL
);
CREATE TABLE daily_usage (
    day      date    NOT NULL,
    category text    NOT NULL,
    batch_id bigint  NOT NULL,
    count    integer NOT NULL,
    PRIMARY KEY (day, category, batch_id)
);
CREATE TABLE daily_user_usage (
    day      date    NOT NULL,
    batch_id bigint  NOT NULL,
    user_id  bigint  NOT NULL,
    count    integer NOT NULL,
    PRIMARY KEY (day, batch_id, user_id)
);
`
}

// Apply applies one event. A use is one statement: the usage row decides
// whether it counts, and only an inserted row is added to daily_usage and
// daily_user_usage. ApplyBatch (batch.go) writes runs of uses set by set and
// must leave the same rows.
func (Stats) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case cards.BatchCreated:
		_, err = tx.Exec(ctx, `INSERT INTO batch_totals (batch_id, category, total, created_on) VALUES ($1, $2, $3, $4)
ON CONFLICT (batch_id) DO NOTHING`, e.BatchID, string(e.Category), e.TotalQuantity, day(e.CreatedAt))
	case cards.BatchDeleted:
		_, err = tx.Exec(ctx, `UPDATE batch_totals SET is_deleted = true WHERE batch_id = $1`, e.BatchID)
	case cards.CardUsed:
		_, err = tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO usage (card_id, batch_id, category, user_id, used_on) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (card_id) DO NOTHING
    RETURNING used_on, category, batch_id, user_id
), days AS (
    INSERT INTO daily_usage (day, category, batch_id, count) SELECT used_on, category, batch_id, 1 FROM ins
    ON CONFLICT (day, category, batch_id) DO UPDATE SET count = daily_usage.count + 1
)
INSERT INTO daily_user_usage (day, batch_id, user_id, count) SELECT used_on, batch_id, user_id, 1 FROM ins
ON CONFLICT (day, batch_id, user_id) DO UPDATE SET count = daily_user_usage.count + 1`,
			e.CardID, e.BatchID, string(e.Category), e.UserID, day(e.UsedAt))
	}
	if err != nil {
		return fmt.Errorf("card_stats: apply %s: %w", env.Recorded.Type, err)
	}
	return nil
}
