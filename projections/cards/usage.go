package cards

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	cardsq "github.com/fiveapis/backend/queries/cards"
)

// Usage is the read model of used cards and of the usage statistics
// (card_usage). Its tables:
//
//   - used_cards, the usage log: one row per used card (its id is the card
//     id, a card being used once). It is also the exactly-once guard: a use
//     counts when its row is inserted (ON CONFLICT (card_id) DO NOTHING), and
//     the same statement adds it to every count below;
//   - batch_usage, the used cards per batch;
//   - user_daily_usage, each user's uses per UTC day and category, which a
//     user's card list counts from;
//   - the statistics' tables (stats.go): batch_totals, daily_usage,
//     daily_user_usage, category_totals, daily_category_usage and
//     daily_category_users.
//
// Everything a card list, a user's cards or the statistics answer comes from
// this one projector, so its numbers always describe the same prefix of the
// log: the counts add up to the used cards, exactly, and a command that waits
// for card_usage waits for one transaction per run of uses.
//
// Version 2 added user_daily_usage. Version 3 took in the statistics, which
// the projector card_stats kept until then (with a usage table of its own
// as its guard): one delivery of each use, one transaction and one statement
// instead of two of each. While version 3 is built after an upgrade, the
// statistics are read from card_stats as it was left (see
// queries/cards.Queries.Statistics). Version 4 dropped the index of the
// used cards by batch: a batch's cards are a range of ids, read by the
// primary key.
type Usage struct{}

func (Usage) Name() string { return cardsq.UsageSchema }
func (Usage) Version() int { return 4 }

func (Usage) Filter() eventlog.Filter {
	return eventlog.Filter{
		Categories: []string{cards.BatchCategory, cards.CardCategory},
		EventTypes: []string{cards.EventBatchCreated, cards.EventBatchDeleted, cards.EventCardUsed},
	}
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
` + statsSchema
}

// Indexes implements engine.DeferredIndexes: the card lists' indexes, which
// Apply does not use (it inserts by card id), are built once a rebuilt
// generation has caught up instead of entry by entry.
func (Usage) Indexes() string {
	return `
CREATE INDEX IF NOT EXISTS used_cards_user ON used_cards (user_id, card_id);
CREATE INDEX IF NOT EXISTS used_cards_user_time ON used_cards (user_id, used_at DESC, card_id DESC);
`
}

// Apply applies one event. A use is one statement: the used_cards row
// decides whether it counts, and only an inserted row is added to the
// counts (countUses). ApplyBatch (batch.go) writes runs of uses set by set
// and must leave the same rows.
func (Usage) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case cards.CardUsed:
		_, err = tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO used_cards (card_id, batch_id, template_id, category, user_id, username, ip_address, user_agent, used_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (card_id) DO NOTHING
    RETURNING batch_id, user_id, category, $10::date AS used_on, 1 AS n
)`+countUses,
			e.CardID, e.BatchID, e.TemplateID, string(e.Category), e.UserID, e.Username, e.IPAddress, e.UserAgent, e.UsedAt, day(e.UsedAt))
	case cards.BatchCreated:
		err = batchCreated(ctx, tx, e)
	case cards.BatchDeleted:
		err = batchDeleted(ctx, tx, e)
	}
	if err != nil {
		return fmt.Errorf("card_usage: apply %s: %w", env.Recorded.Type, err)
	}
	return nil
}

// countUses ends the statements that insert used cards: it adds the uses of
// a CTE named ins (batch_id, user_id, category, used_on (the use's UTC day)
// and n, the uses each row stands for) to batch_usage and user_daily_usage,
// and to the statistics' counts (countStatsUses).
const countUses = `, batches AS (
    INSERT INTO batch_usage (batch_id, used) SELECT batch_id, sum(n) FROM ins GROUP BY batch_id
    ON CONFLICT (batch_id) DO UPDATE SET used = batch_usage.used + EXCLUDED.used
), user_days AS (
    INSERT INTO user_daily_usage (user_id, day, category, count)
    SELECT user_id, used_on, category, sum(n) FROM ins GROUP BY user_id, used_on, category
    ON CONFLICT (user_id, day, category) DO UPDATE SET count = user_daily_usage.count + EXCLUDED.count
)` + countStatsUses
