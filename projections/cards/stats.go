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
// (daily_usage), uses per day, batch and user (daily_user_usage), and, for
// the live batches only, cards per category and batch creation day
// (category_totals), uses per day, category and creation day
// (daily_category_usage) and uses per day, category, user and creation day
// (daily_category_users).
// Everything the statistics answer comes from this one projector, so its
// numbers always describe the same prefix of the log: the daily counts add up
// to the used cards, exactly.
//
// usage, one row per used card, is only the exactly-once guard: a use counts
// when its card's row is inserted (ON CONFLICT (card_id) DO NOTHING), and the
// same statement adds it to the daily tables. The statistics query reads
// only the three tables of live batches, whose rows grow with days (×
// users), × categories × the days batches were created on: neither with
// the uses nor with the batches. batch_totals, daily_usage and
// daily_user_usage keep each batch's share, which a batch's deletion
// subtracts from the live tables (in the statement that marks it deleted,
// once), leaving rows of 0, which the query skips or adds as 0. The creation
// day is kept because the statistics count a batch only up to its end date,
// and a use may carry an earlier day than its batch's creation when the two
// servers' clocks differ.
type Stats struct{}

func (Stats) Name() string { return cardsq.StatsSchema }

// Version 2 added daily_user_usage, version 3 daily_category_users,
// version 4 category_totals and daily_category_usage; a new version makes
// the engine rebuild the read model from the log beside the serving one and
// switch when caught up.
func (Stats) Version() int { return 4 }

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
CREATE TABLE category_totals (
    category   text   NOT NULL,
    created_on date   NOT NULL,
    total      bigint NOT NULL,
    PRIMARY KEY (category, created_on)
);
CREATE TABLE daily_category_usage (
    day        date    NOT NULL,
    category   text    NOT NULL,
    created_on date    NOT NULL,
    count      integer NOT NULL,
    PRIMARY KEY (day, category, created_on)
);
`
}

// countStatsUses ends the statements of a use (Apply) or a run of uses
// (ApplyBatch): it adds the uses of a CTE named ins (used_on, category,
// batch_id, user_id, and n, the uses each row stands for) to daily_usage and
// daily_user_usage, and those of live batches to daily_category_usage and
// daily_category_users.
const countStatsUses = `, days AS (
    INSERT INTO daily_usage (day, category, batch_id, count)
    SELECT used_on, category, batch_id, sum(n) FROM ins GROUP BY used_on, category, batch_id
    ON CONFLICT (day, category, batch_id) DO UPDATE SET count = daily_usage.count + EXCLUDED.count
), users AS (
    INSERT INTO daily_user_usage (day, batch_id, user_id, count)
    SELECT used_on, batch_id, user_id, sum(n) FROM ins GROUP BY used_on, batch_id, user_id
    ON CONFLICT (day, batch_id, user_id) DO UPDATE SET count = daily_user_usage.count + EXCLUDED.count
), live AS (
    SELECT ins.used_on, b.category, ins.user_id, b.created_on, ins.n
      FROM ins JOIN batch_totals b ON b.batch_id = ins.batch_id AND NOT b.is_deleted
), category_days AS (
    INSERT INTO daily_category_usage (day, category, created_on, count)
    SELECT used_on, category, created_on, sum(n) FROM live GROUP BY used_on, category, created_on
    ON CONFLICT (day, category, created_on) DO UPDATE SET count = daily_category_usage.count + EXCLUDED.count
)
INSERT INTO daily_category_users (day, category, user_id, created_on, count)
SELECT used_on, category, user_id, created_on, sum(n) FROM live
 GROUP BY used_on, category, user_id, created_on
ON CONFLICT (day, category, user_id, created_on) DO UPDATE SET count = daily_category_users.count + EXCLUDED.count`

// Apply applies one event. A use is one statement: the usage row decides
// whether it counts, and only an inserted row is added to daily_usage,
// daily_user_usage and (while its batch is live) daily_category_usage and
// daily_category_users.
// ApplyBatch (batch.go) writes runs of uses set by set and must leave the
// same rows.
func (Stats) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case cards.BatchCreated:
		_, err = tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO batch_totals (batch_id, category, total, created_on) VALUES ($1, $2, $3, $4)
    ON CONFLICT (batch_id) DO NOTHING
    RETURNING category, created_on, total
)
INSERT INTO category_totals (category, created_on, total) SELECT category, created_on, total FROM ins
ON CONFLICT (category, created_on) DO UPDATE SET total = category_totals.total + EXCLUDED.total`,
			e.BatchID, string(e.Category), e.TotalQuantity, day(e.CreatedAt))
	case cards.BatchDeleted:
		// The first deletion takes the batch's cards and uses out of the
		// live tables; a second one finds the batch deleted. Each update
		// joins one row of the batch per row it updates (an UPDATE … FROM
		// would apply only one of several): the batch's uses per day, and
		// daily_user_usage's one row per day and user.
		_, err = tx.Exec(ctx, `
WITH del AS (
    UPDATE batch_totals SET is_deleted = true WHERE batch_id = $1 AND NOT is_deleted
    RETURNING batch_id, category, created_on, total
), totals AS (
    UPDATE category_totals t SET total = t.total - del.total
      FROM del WHERE t.category = del.category AND t.created_on = del.created_on
), days AS (
    UPDATE daily_category_usage c SET count = c.count - u.count
      FROM (SELECT day, sum(count) AS count FROM daily_usage WHERE batch_id = $1 GROUP BY day) u, del
     WHERE c.day = u.day AND c.category = del.category AND c.created_on = del.created_on
)
UPDATE daily_category_users c SET count = c.count - u.count
  FROM daily_user_usage u JOIN del ON del.batch_id = u.batch_id
 WHERE c.day = u.day AND c.category = del.category AND c.user_id = u.user_id AND c.created_on = del.created_on`, e.BatchID)
	case cards.CardUsed:
		_, err = tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO usage (card_id, batch_id, category, user_id, used_on) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (card_id) DO NOTHING
    RETURNING used_on, category, batch_id, user_id, 1 AS n
)`+countStatsUses,
			e.CardID, e.BatchID, string(e.Category), e.UserID, day(e.UsedAt))
	}
	if err != nil {
		return fmt.Errorf("card_stats: apply %s: %w", env.Recorded.Type, err)
	}
	return nil
}
