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
	where := ` FROM ` + UsageSchema + `.used_cards u
 WHERE u.user_id = $1 AND ($2::text IS NULL OR u.category = $2)
   AND ($3::timestamptz IS NULL OR u.used_at >= $3) AND ($4::timestamptz IS NULL OR u.used_at < $4)`
	args := []any{f.User, f.Category, f.StartDate, end}
	err := q.snapshot(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*)`+where, args...).Scan(&out.Count); err != nil {
			return err
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
