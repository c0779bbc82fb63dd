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
// (daily_usage), uses per day, batch and user (daily_user_usage), and the
// uses of live batches per day, category, user and batch creation day
// (daily_category_users).
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
//
// daily_category_users answers unique_users without the batches: its rows
// grow with days × users (× the categories and creation days of the batches
// they used that day), not with the batches. A use adds to it only while its
// batch is live, and a batch's deletion takes the batch's uses (its
// daily_user_usage rows) out again, leaving rows of count 0, which the query
// skips. The creation day is kept because the statistics count a batch only
// up to its end date, and a use may carry an earlier day than its batch's
// creation when the two servers' clocks differ.
type Stats struct{}

func (Stats) Name() string { return cardsq.StatsSchema }

// Version 2 added daily_user_usage, version 3 daily_category_users; a new
// version makes the engine rebuild the read model from the log beside the
// serving one and switch when caught up.
func (Stats) Version() int { return 3 }

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
CREATE TABLE daily_category_users (
    day        date    NOT NULL,
    category   text    NOT NULL,
    user_id    bigint  NOT NULL,
    created_on date    NOT NULL,
    count      integer NOT NULL,
    PRIMARY KEY (day, category, user_id, created_on)
);
`
}

// countCategoryUsers ends the statement of a use (Apply) or a run of uses
// (ApplyBatch) whose inserted usage rows are ins: it adds those of live
// batches to daily_category_users.
const countCategoryUsers = `
INSERT INTO daily_category_users (day, category, user_id, created_on, count)
SELECT ins.used_on, b.category, ins.user_id, b.created_on, count(*)
  FROM ins JOIN batch_totals b ON b.batch_id = ins.batch_id AND NOT b.is_deleted
 GROUP BY ins.used_on, b.category, ins.user_id, b.created_on
ON CONFLICT (day, category, user_id, created_on) DO UPDATE SET count = daily_category_users.count + EXCLUDED.count`

// Apply applies one event. A use is one statement: the usage row decides
// whether it counts, and only an inserted row is added to daily_usage,
// daily_user_usage and (while its batch is live) daily_category_users.
// ApplyBatch (batch.go) writes runs of uses set by set and must leave the
// same rows.
func (Stats) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case cards.BatchCreated:
		_, err = tx.Exec(ctx, `INSERT INTO batch_totals (batch_id, category, total, created_on) VALUES ($1, $2, $3, $4)
ON CONFLICT (batch_id) DO NOTHING`, e.BatchID, string(e.Category), e.TotalQuantity, day(e.CreatedAt))
	case cards.BatchDeleted:
		// The first deletion takes the batch's uses out of
		// daily_category_users; a second one finds the batch deleted.
		_, err = tx.Exec(ctx, `
WITH del AS (
    UPDATE batch_totals SET is_deleted = true WHERE batch_id = $1 AND NOT is_deleted
    RETURNING batch_id, category, created_on
)
UPDATE daily_category_users c SET count = c.count - u.count
  FROM daily_user_usage u JOIN del ON del.batch_id = u.batch_id
 WHERE c.day = u.day AND c.category = del.category AND c.user_id = u.user_id AND c.created_on = del.created_on`, e.BatchID)
	case cards.CardUsed:
		_, err = tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO usage (card_id, batch_id, category, user_id, used_on) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (card_id) DO NOTHING
    RETURNING used_on, category, batch_id, user_id
), days AS (
    INSERT INTO daily_usage (day, category, batch_id, count) SELECT used_on, category, batch_id, 1 FROM ins
    ON CONFLICT (day, category, batch_id) DO UPDATE SET count = daily_usage.count + 1
), users AS (
    INSERT INTO daily_user_usage (day, batch_id, user_id, count) SELECT used_on, batch_id, user_id, 1 FROM ins
    ON CONFLICT (day, batch_id, user_id) DO UPDATE SET count = daily_user_usage.count + 1
)`+countCategoryUsers,
			e.CardID, e.BatchID, string(e.Category), e.UserID, day(e.UsedAt))
	}
	if err != nil {
		return fmt.Errorf("card_stats: apply %s: %w", env.Recorded.Type, err)
	}
	return nil
}
