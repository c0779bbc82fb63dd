package cards

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	queries "github.com/fiveapis/backend/queries/cards"
)

// Stats is the read model of the usage statistics (card_stats): cards per
// batch (batch_totals), used cards per day and user (usage) and uses per day,
// category and batch (daily_usage). Everything the statistics answer comes
// from this one projector, so its numbers always describe the same prefix of
// the log: the daily counts add up to the used cards, exactly.
type Stats struct{}

func (Stats) Name() string { return queries.StatsSchema }
func (Stats) Version() int { return 1 }

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
CREATE INDEX usage_day ON usage (used_on, batch_id, user_id);
CREATE TABLE daily_usage (
    day      date    NOT NULL,
    category text    NOT NULL,
    batch_id bigint  NOT NULL,
    count    integer NOT NULL,
    PRIMARY KEY (day, category, batch_id)
);
`
}

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
    RETURNING used_on, category, batch_id
)
INSERT INTO daily_usage (day, category, batch_id, count) SELECT used_on, category, batch_id, 1 FROM ins
ON CONFLICT (day, category, batch_id) DO UPDATE SET count = daily_usage.count + 1`,
			e.CardID, e.BatchID, string(e.Category), e.UserID, day(e.UsedAt))
	}
	return err
}
