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

// copyMinRun is the shortest run of uses that ApplyBatch writes with COPY
// (copyRun) instead of INSERT … SELECT FROM unnest: COPY costs PostgreSQL
// about half the CPU per row (2.3–2.4 against 4.2–4.9 µs for used_cards'
// rows, 400 batches of 500 on 2026-12-05), but one more round trip, which
// only a long run (a rebuild's, a catch-up's) pays back.
const copyMinRun = 64

// useTally is a run's uses counted per batch, user, category and UTC day:
// the keys of every count the read models keep of uses.
type useTally struct {
	batchID, userID []int64
	category        []string
	day             []time.Time
	n               []int32
}

// tallyKey is the key of a useTally's count.
type tallyKey struct {
	batchID, userID int64
	category        string
	day             time.Time
}

// tally counts the run's uses by tallyKey, in the order each key first
// appears.
func (u *usedCards) tally() *useTally {
	index := make(map[tallyKey]int, 16)
	t := &useTally{}
	for i := range u.cardID {
		k := tallyKey{u.batchID[i], u.userID[i], u.category[i], day(u.usedAt[i])}
		if j, ok := index[k]; ok {
			t.n[j]++
			continue
		}
		index[k] = len(t.n)
		t.batchID = append(t.batchID, k.batchID)
		t.userID = append(t.userID, k.userID)
		t.category = append(t.category, k.category)
		t.day = append(t.day, k.day)
		t.n = append(t.n, 1)
	}
	return t
}

// copyRun writes a run's rows into table with COPY, every row or none: a
// card already in the table (a second use of it in the log) fails the COPY
// and with it ApplyBatch, and the engine then applies the batch's events one
// at a time with Apply, which skips such a use. So when copyRun succeeds,
// every use of the run was inserted and its counts are the run's tally.
// fill writes row i's values into one reused slice: pgx encodes each row
// before it asks for the next.
func copyRun(ctx context.Context, tx pgx.Tx, table string, cols []string, n int, fill func(i int, row []any)) error {
	row := make([]any, len(cols))
	src := pgx.CopyFromSlice(n, func(i int) ([]any, error) {
		fill(i, row)
		return row, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src); err != nil {
		return fmt.Errorf("copy %d rows into %s: %w", n, table, err)
	}
	return nil
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
// statement, whatever its length: the used_cards rows, then, from the rows
// actually inserted, every count (countUses). A run of copyMinRun or more is
// copied, and its counts added from its tally. It writes what Apply writes
// for each of the events in turn, so a rebuild and the live read model hold
// the same rows.
func (u Usage) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventlog.Envelope) error {
	return applyRuns(ctx, tx, events, func(ctx context.Context, tx pgx.Tx, r *usedCards) error {
		if r.len() >= copyMinRun {
			return u.copyUses(ctx, tx, r)
		}
		_, err := tx.Exec(ctx, `
WITH ins AS (
    INSERT INTO used_cards (card_id, batch_id, template_id, category, user_id, username, ip_address, user_agent, used_at)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
    ON CONFLICT (card_id) DO NOTHING
    RETURNING batch_id, user_id, category, (used_at AT TIME ZONE 'UTC')::date AS used_on, 1 AS n
)`+countUses,
			r.cardID, r.batchID, r.templateID, r.category, r.userID, r.username, r.ip, r.agent, r.usedAt)
		if err != nil {
			return fmt.Errorf("card_usage: apply %d uses: %w", r.len(), err)
		}
		return nil
	}, u.Apply)
}

// copyUses copies a run into used_cards (copyRun) and adds its tally to the
// counts.
func (Usage) copyUses(ctx context.Context, tx pgx.Tx, r *usedCards) error {
	err := copyRun(ctx, tx, "used_cards",
		[]string{"card_id", "batch_id", "template_id", "category", "user_id", "username", "ip_address", "user_agent", "used_at"},
		r.len(), func(i int, row []any) {
			row[0], row[1], row[2], row[3], row[4] = r.cardID[i], r.batchID[i], r.templateID[i], r.category[i], r.userID[i]
			row[5], row[6], row[7], row[8] = r.username[i], r.ip[i], r.agent[i], r.usedAt[i]
		})
	if err != nil {
		return fmt.Errorf("card_usage: %w", err)
	}
	t := r.tally()
	_, err = tx.Exec(ctx, `
WITH ins AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::date[], $5::int[])
           AS t(batch_id, user_id, category, used_on, n)
)`+countUses, t.batchID, t.userID, t.category, t.day, t.n)
	if err != nil {
		return fmt.Errorf("card_usage: count %d uses: %w", r.len(), err)
	}
	return nil
}
