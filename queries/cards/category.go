package cards

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ByCategory returns the active templates of a category with their available
// batches (002 §5.1): published, not deleted, not expired on today (UTC), with
// unused cards; available_quantity is total minus used.
func (q *Queries) ByCategory(ctx context.Context, category string, today time.Time) (Category, error) {
	out := Category{Category: category, Templates: []CategoryTemplate{}}
	err := q.snapshot(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
SELECT id, name, description, attributes, rarity FROM `+TemplatesSchema+`.templates
 WHERE category = $1 AND NOT is_deleted AND is_active ORDER BY id`, category)
		if err != nil {
			return err
		}
		index := map[int64]int{}
		for rows.Next() {
			var (
				t     CategoryTemplate
				attrs []byte
			)
			if err := rows.Scan(&t.ID, &t.Name, &t.Description, &attrs, &t.Rarity); err != nil {
				rows.Close()
				return err
			}
			if t.Attributes, err = attributes(attrs); err != nil {
				rows.Close()
				return err
			}
			t.AvailableBatches = []AvailableBatch{}
			index[t.ID] = len(out.Templates)
			out.Templates = append(out.Templates, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
SELECT b.id, b.template_id, b.name, (b.total_quantity - coalesce(u.used, 0))::int
  FROM `+BatchesSchema+`.batches b
  LEFT JOIN `+UsageSchema+`.batch_usage u ON u.batch_id = b.id
 WHERE b.category = $1 AND NOT b.is_deleted AND b.is_published AND (b.expiry_date IS NULL OR b.expiry_date >= $2::date)
   AND b.total_quantity > coalesce(u.used, 0)
 ORDER BY b.id`, category, today.UTC().Format("2006-01-02"))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				b    AvailableBatch
				tmpl int64
			)
			if err := rows.Scan(&b.ID, &tmpl, &b.Name, &b.AvailableQuantity); err != nil {
				return err
			}
			if i, ok := index[tmpl]; ok {
				out.Templates[i].AvailableBatches = append(out.Templates[i].AvailableBatches, b)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return out, fmt.Errorf("cards of category %s: %w", category, err)
	}
	return out, nil
}
