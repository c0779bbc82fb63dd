package cards

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	cardsq "github.com/fiveapis/backend/queries/cards"
)

// Usage is the read model of used cards: card_usage.used_cards, the usage log
// (one row per used card; its id is the card id, a card being used once);
// card_usage.batch_usage, the used cards per batch; and (since version 2)
// card_usage.user_daily_usage, each user's uses per UTC day and category,
// which a user's card list counts from. The counts are kept in the same
// statement as the log, from the rows it actually inserted, so they always
// agree with it.
type Usage struct{}

func (Usage) Name() string { return cardsq.UsageSchema }
func (Usage) Version() int { return 2 }

func (Usage) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{cards.CardCategory}, EventTypes: []string{cards.EventCardUsed}}
}

func (Usage) Schema() string {
	return `
CREATE TABLE used_cards (
    card_id     bigint PRIMARY KEY,
    batch_id    bigint      NOT NULL,
    template_id bigint      NOT NULL,
    category    text        NOT NULL,
    user_id     bigint      NOT NULL,
    username    text        NOT NULL,
    ip_address  text        NOT NULL,
    user_agent  text        NOT NULL,
    used_at     timestamptz NOT NULL
);

CREATE TABLE batch_usage (
    batch_id bigint PRIMARY KEY,
    used     integer NOT NULL
);

CREATE TABLE user_daily_usage (
    user_id  bigint  NOT NULL,
    day      date    NOT NULL,
    category text    NOT NULL,
    count    integer NOT NULL,
    PRIMARY KEY (user_id, day, category)
);
`
}

// Indexes implements engine.DeferredIndexes: the card lists' indexes, which
// Apply does not use (it inserts by card id), are built once a rebuilt
// generation has caught up instead of entry by entry.
func (Usage) Indexes() string {
	return `
CREATE INDEX IF NOT EXISTS used_cards_batch ON used_cards (batch_id, card_id);
CREATE INDEX IF NOT EXISTS used_cards_user ON used_cards (user_id, card_id);
CREATE INDEX IF NOT EXISTS used_cards_user_time ON used_cards (user_id, used_at DESC, card_id DESC);
`
}

func (Usage) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	e, ok := env.Event.(cards.CardUsed)
	if !ok {
		return nil
	}
	_, err := tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO used_cards (card_id, batch_id, template_id, category, user_id, username, ip_address, user_agent, used_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (card_id) DO NOTHING
    RETURNING batch_id, user_id, category, used_at, 1 AS n
)`+countUses,
		e.CardID, e.BatchID, e.TemplateID, string(e.Category), e.UserID, e.Username, e.IPAddress, e.UserAgent, e.UsedAt)
	return err
}

// countUses ends the statements that insert used cards: it adds the uses of
// a CTE named ins (batch_id, user_id, category, used_at, and n, the uses
// each row stands for) to batch_usage and user_daily_usage.
const countUses = `, batches AS (
    INSERT INTO batch_usage (batch_id, used) SELECT batch_id, sum(n) FROM ins GROUP BY batch_id
    ON CONFLICT (batch_id) DO UPDATE SET used = batch_usage.used + EXCLUDED.used
)
INSERT INTO user_daily_usage (user_id, day, category, count)
SELECT user_id, (used_at AT TIME ZONE 'UTC')::date, category, sum(n) FROM ins GROUP BY 1, 2, 3
ON CONFLICT (user_id, day, category) DO UPDATE SET count = user_daily_usage.count + EXCLUDED.count`
