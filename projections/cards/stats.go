package cards

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/cards"
)

// The statistics' tables of card_usage (see Usage): batch_totals (cards per
// batch), daily_usage (uses per day, category and batch), daily_user_usage
// (uses per day, batch and user) and, for the live batches only,
// category_totals (cards per category and batch creation day),
// daily_category_usage (uses per day, category and creation day) and
// daily_category_users (uses per day, category, user and creation day).
//
// The statistics query reads only the three tables of live batches, whose
// rows grow with days (× users), × categories × the days batches were
// created on: neither with the uses nor with the batches. batch_totals,
// daily_usage and daily_user_usage keep each batch's share, which a batch's
// deletion subtracts from the live tables (in the statement that marks it
// deleted, once), leaving rows of 0, which the query skips or adds as 0. The
// creation day is kept because the statistics count a batch only up to its
// end date, and a use may carry an earlier day than its batch's creation when
// the two servers' clocks differ. Until card_usage version 3 these tables
// were the projector card_stats (versions 1 to 4).
const statsSchema = `
CREATE TABLE batch_totals (
    batch_id   bigint PRIMARY KEY,
    category   text    NOT NULL,
    total      integer NOT NULL,
    created_on date    NOT NULL,
    is_deleted boolean NOT NULL DEFAULT false
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

// countStatsUses ends countUses: it adds the uses of the CTE ins to
// daily_usage and daily_user_usage, and those of live batches to
// daily_category_usage and daily_category_users.
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

// batchCreated adds a batch's cards to batch_totals and category_totals.
func batchCreated(ctx context.Context, tx pgx.Tx, e cards.BatchCreated) error {
	_, err := tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO batch_totals (batch_id, category, total, created_on) VALUES ($1, $2, $3, $4)
    ON CONFLICT (batch_id) DO NOTHING
    RETURNING category, created_on, total
)
INSERT INTO category_totals (category, created_on, total) SELECT category, created_on, total FROM ins
ON CONFLICT (category, created_on) DO UPDATE SET total = category_totals.total + EXCLUDED.total`,
		e.BatchID, string(e.Category), e.TotalQuantity, day(e.CreatedAt))
	return err
}

// batchDeleted takes a batch's cards and uses out of the live tables, once.
func batchDeleted(ctx context.Context, tx pgx.Tx, e cards.BatchDeleted) error {
	// The first deletion takes the batch's cards and uses out of the
	// live tables; a second one finds the batch deleted. Each update
	// joins one row of the batch per row it updates (an UPDATE … FROM
	// would apply only one of several): the batch's uses per day, and
	// daily_user_usage's one row per day and user.
	_, err := tx.Exec(ctx, `
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
	return err
}
