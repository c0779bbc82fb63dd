package cards

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// UserCardFilter selects a user's used cards (002 §4.1): category and the
// UTC dates of use (inclusive).
type UserCardFilter struct {
	User      int64
	Category  *string
	StartDate *time.Time
	EndDate   *time.Time
}

// UserCards returns a page of the cards a user used, the latest first. Cards
// of batches deleted later stay in the user's history.
func (q *Queries) UserCards(ctx context.Context, f UserCardFilter, p Page) (List[UserCard], error) {
	out := List[UserCard]{Items: []UserCard{}}
	var end *time.Time
	if f.EndDate != nil {
		e := f.EndDate.AddDate(0, 0, 1)
		end = &e
	}
	where := ` FROM ` + UsageSchema + `.used_cards u` + usedCardsOf
	args := []any{f.User, f.Category, f.StartDate, end}
	err := q.snapshot(ctx, func(tx pgx.Tx) error {
		count, err := q.userCardCount(ctx, tx)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, count, args...).Scan(&out.Count); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		rows, err := tx.Query(ctx, `
SELECT u.card_id, b.batch_code, coalesce(t.name, b.template_name), coalesce(t.category, u.category), t.attributes,
       coalesce(t.rarity, ''), u.used_at, u.ip_address
  FROM (SELECT u.*`+where+` ORDER BY u.used_at DESC, u.card_id DESC OFFSET $5 LIMIT $6) u
  JOIN `+BatchesSchema+`.batches b ON b.id = u.batch_id
  LEFT JOIN `+TemplatesSchema+`.templates t ON t.id = u.template_id
 ORDER BY u.used_at DESC, u.card_id DESC`, append(args, p.Offset(), p.Size)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				c     UserCard
				code  string
				attrs []byte
			)
			if err := rows.Scan(&c.Card.ID, &code, &c.Card.Template.Name, &c.Card.Template.Category, &attrs,
				&c.Card.Template.Rarity, &c.UsedAt, &c.IPAddress); err != nil {
				return err
			}
			if c.Card.Template.Attributes, err = attributes(attrs); err != nil {
				return err
			}
			c.UsageLogID = c.Card.ID
			c.Card.CardCode = q.coder.Code(code, c.Card.ID)
			out.Items = append(out.Items, c)
		}
		return rows.Err()
	})
	if err != nil {
		return out, fmt.Errorf("user cards: %w", err)
	}
	return out, nil
}

// usedCardsOf selects a user's used cards ($1) of a category ($2), used
// from $3 and before $4 (UTC midnights; each may be NULL).
const usedCardsOf = `
 WHERE u.user_id = $1 AND ($2::text IS NULL OR u.category = $2)
   AND ($3::timestamptz IS NULL OR u.used_at >= $3) AND ($4::timestamptz IS NULL OR u.used_at < $4)`

// userCardCount returns the query counting the used cards usedCardsOf
// selects. It sums the user's uses per UTC day and category
// (user_daily_usage), so it costs the days the user was active, not the
// uses: a user with 125,000 uses paid 279 ms for each page's count(*) in
// figure 11 of docs/benchmarks.md. The date bounds are UTC midnights, so a
// use is on or after $3 exactly when its UTC day is. While card_usage
// version 1, without the table, still serves, it counts the rows.
func (q *Queries) userCardCount(ctx context.Context, tx pgx.Tx) (string, error) {
	perDay, err := q.userDays.exists(ctx, tx)
	if err != nil {
		return "", err
	}
	if !perDay {
		return `SELECT count(*) FROM ` + UsageSchema + `.used_cards u` + usedCardsOf, nil
	}
	return `
SELECT coalesce(sum(u.count), 0) FROM ` + UsageSchema + `.user_daily_usage u
 WHERE u.user_id = $1 AND ($2::text IS NULL OR u.category = $2)
   AND ($3::timestamptz IS NULL OR u.day >= ($3::timestamptz AT TIME ZONE 'UTC')::date)
   AND ($4::timestamptz IS NULL OR u.day < ($4::timestamptz AT TIME ZONE 'UTC')::date)`, nil
}
