package cards

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// CardFilter selects cards (002 §3.1). Cards of deleted batches are never
// listed. User selects the cards a user used (and so implies is_used).
type CardFilter struct {
	Batch    *int64
	Category *string
	IsUsed   *bool
	User     *int64
}

// ListCards returns a page of cards ordered by id, computed from the batch
// ranges and the used cards (see the package documentation): no query
// touches more than the batches overlapping the page.
func (q *Queries) ListCards(ctx context.Context, f CardFilter, p Page) (List[Card], error) {
	out := List[Card]{Items: []Card{}}
	err := q.snapshot(ctx, func(tx pgx.Tx) error {
		var (
			ids, batches []int64
			err          error
		)
		if f.User != nil {
			ids, batches, err = usedByUser(ctx, tx, f, p, &out.Count)
		} else {
			ids, batches, err = fromRanges(ctx, tx, f, p, &out.Count)
		}
		if err != nil || len(ids) == 0 {
			return err
		}
		out.Items, err = q.cardsByID(ctx, tx, ids, batches)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("list cards: %w", err)
	}
	return out, nil
}

func usedByUser(ctx context.Context, tx pgx.Tx, f CardFilter, p Page, count *int64) (ids, batches []int64, err error) {
	if f.IsUsed != nil && !*f.IsUsed {
		return nil, nil, nil // a user has only used cards
	}
	where := ` FROM ` + UsageSchema + `.used_cards u JOIN ` + BatchesSchema + `.batches b ON b.id = u.batch_id
 WHERE NOT b.is_deleted AND u.user_id = $1 AND ($2::bigint IS NULL OR u.batch_id = $2) AND ($3::text IS NULL OR b.category = $3)`
	if err := tx.QueryRow(ctx, `SELECT count(*)`+where, *f.User, f.Batch, f.Category).Scan(count); err != nil {
		return nil, nil, err
	}
	rows, err := tx.Query(ctx, `SELECT u.card_id, u.batch_id`+where+` ORDER BY u.card_id OFFSET $4 LIMIT $5`,
		*f.User, f.Batch, f.Category, p.Offset(), p.Size)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, b int64
		if err := rows.Scan(&id, &b); err != nil {
			return nil, nil, err
		}
		ids, batches = append(ids, id), append(batches, b)
	}
	return ids, batches, rows.Err()
}

// rangeCTE numbers the matching cards of the selected batches: n is how many
// of a batch's cards match (all, used or unused ones, by mode). It returns the
// CTE "f" and its arguments; only the filters given are in its WHERE clause,
// so that for one batch every plan, custom or generic, reads that batch by
// its primary key rather than every batch (an "$1 IS NULL OR b.id = $1" in a
// generic plan scans them all: 1,050 batches of figure 11's 10M events).
func rangeCTE(f CardFilter, mode string) (string, []any) {
	args := []any{mode}
	where := "NOT b.is_deleted"
	if f.Batch != nil {
		args = append(args, *f.Batch)
		where += " AND b.id = $" + strconv.Itoa(len(args))
	}
	if f.Category != nil {
		args = append(args, *f.Category)
		where += " AND b.category = $" + strconv.Itoa(len(args))
	}
	return `
WITH f AS (
    SELECT b.id, b.start_id, b.end_id,
           (CASE $1::text WHEN 'used' THEN coalesce(u.used, 0)
                          WHEN 'unused' THEN b.total_quantity - coalesce(u.used, 0)
                          ELSE b.total_quantity END)::bigint AS n
      FROM ` + BatchesSchema + `.batches b
      LEFT JOIN ` + UsageSchema + `.batch_usage u ON u.batch_id = b.id
     WHERE ` + where + `
)`, args
}

func fromRanges(ctx context.Context, tx pgx.Tx, f CardFilter, p Page, count *int64) (ids, batches []int64, err error) {
	mode := "all"
	if f.IsUsed != nil {
		mode = map[bool]string{true: "used", false: "unused"}[*f.IsUsed]
	}
	cte, args := rangeCTE(f, mode)
	if err := tx.QueryRow(ctx, cte+` SELECT coalesce(sum(n), 0)::bigint FROM f`, args...).Scan(count); err != nil {
		return nil, nil, err
	}
	off, size := p.Offset(), int64(p.Size)
	if off >= *count {
		return nil, nil, nil
	}
	type window struct{ id, start, end, n, before int64 }
	o, z := "$"+strconv.Itoa(len(args)+1), "$"+strconv.Itoa(len(args)+2)
	rows, err := tx.Query(ctx, cte+`, c AS (
    SELECT id, start_id, end_id, n, (sum(n) OVER (ORDER BY start_id) - n)::bigint AS before FROM f
)
SELECT id, start_id, end_id, n, before FROM c
 WHERE n > 0 AND before < `+o+`::bigint + `+z+`::bigint AND before + n > `+o+`::bigint
 ORDER BY start_id`, append(args, off, size)...)
	if err != nil {
		return nil, nil, err
	}
	wins, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (window, error) {
		var w window
		return w, r.Scan(&w.id, &w.start, &w.end, &w.n, &w.before)
	})
	if err != nil {
		return nil, nil, err
	}
	for _, w := range wins {
		skip := max(0, off-w.before)
		take := min(w.n-skip, size-int64(len(ids)))
		if take <= 0 {
			break
		}
		var got []int64
		switch mode {
		case "all":
			for id := w.start + skip; id < w.start+skip+take; id++ {
				got = append(got, id)
			}
		case "used":
			// A batch's cards are its ids start_id..end_id, so its used
			// ones are read by the primary key's range.
			rows, err := tx.Query(ctx, `
SELECT card_id FROM `+UsageSchema+`.used_cards
 WHERE card_id BETWEEN $2 AND $3 AND batch_id = $1
 ORDER BY card_id OFFSET $4 LIMIT $5`, w.id, w.start, w.end, skip, take)
			if err != nil {
				return nil, nil, err
			}
			if got, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return nil, nil, err
			}
		case "unused":
			rows, err := tx.Query(ctx, `
SELECT g.id FROM generate_series($1::bigint, $2::bigint) AS g(id)
 WHERE NOT EXISTS (SELECT 1 FROM `+UsageSchema+`.used_cards u WHERE u.card_id = g.id)
 ORDER BY g.id OFFSET $3 LIMIT $4`, w.start, w.end, skip, take)
			if err != nil {
				return nil, nil, err
			}
			if got, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return nil, nil, err
			}
		}
		for _, id := range got {
			ids, batches = append(ids, id), append(batches, w.id)
		}
	}
	return ids, batches, nil
}

// cardsByID loads the cards ids (of batches, pairwise), in that order.
func (q *Queries) cardsByID(ctx context.Context, tx pgx.Tx, ids, batches []int64) ([]Card, error) {
	rows, err := tx.Query(ctx, `
SELECT g.id, b.id, b.name, b.template_id, coalesce(t.name, b.template_name), b.category, b.batch_code, b.qr_code_base_url,
       b.expiry_date, b.created_at, u.user_id, u.username, u.used_at
  FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS g(id, batch_id, ord)
  JOIN (SELECT * FROM `+BatchesSchema+`.batches WHERE id = ANY($2::bigint[])) b ON b.id = g.batch_id
  LEFT JOIN `+TemplatesSchema+`.templates t ON t.id = b.template_id
  LEFT JOIN `+UsageSchema+`.used_cards u ON u.card_id = g.id
 ORDER BY g.ord`, ids, batches)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Card, 0, len(ids))
	for rows.Next() {
		var (
			c       Card
			code    string
			base    string
			exp     *time.Time
			usedAt  *time.Time
			usedBy  *int64
			usernme *string
		)
		if err := rows.Scan(&c.ID, &c.Batch, &c.BatchName, &c.Template, &c.TemplateName, &c.Category, &code, &base,
			&exp, &c.CreatedAt, &usedBy, &usernme, &usedAt); err != nil {
			return nil, err
		}
		c.CardCode = q.coder.Code(code, c.ID)
		c.QRCode = base + c.CardCode
		c.ExpiresAt = expiresAt(exp)
		c.IsUsed, c.UsedBy, c.UsedByUsername, c.UsedAt = usedBy != nil, usedBy, usernme, usedAt
		out = append(out, c)
	}
	return out, rows.Err()
}
