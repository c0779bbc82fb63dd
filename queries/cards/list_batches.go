package cards

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// BatchFilter selects batches. PublishedOnly restricts to published batches
// (what non-admins see). Deleted batches are never listed.
type BatchFilter struct {
	Template      *int64
	Category      *string
	IsPublished   *bool
	PublishedOnly bool
}

const batchSelect = `
SELECT b.id, b.name, b.template_id, coalesce(t.name, b.template_name), b.category, b.total_quantity,
       coalesce(u.used, 0), b.start_id, b.end_id, b.batch_code, b.is_published, b.expiry_date, b.qr_code_base_url,
       b.created_at, b.updated_at
  FROM ` + BatchesSchema + `.batches b
  LEFT JOIN ` + TemplatesSchema + `.templates t ON t.id = b.template_id
  LEFT JOIN ` + UsageSchema + `.batch_usage u ON u.batch_id = b.id`

func scanBatch(row pgx.Row) (Batch, error) {
	var (
		b   Batch
		exp *time.Time
	)
	if err := row.Scan(&b.ID, &b.Name, &b.Template, &b.TemplateName, &b.Category, &b.TotalQuantity, &b.UsedQuantity,
		&b.StartID, &b.EndID, &b.BatchCode, &b.IsPublished, &exp, &b.QRCodeBaseURL, &b.CreatedAt, &b.UpdatedAt); err != nil {
		return b, err
	}
	b.GeneratedQuantity = b.TotalQuantity
	b.ExpiryDate = dateString(exp)
	return b, nil
}

// ListBatches returns a page of batches ordered by id.
func (q *Queries) ListBatches(ctx context.Context, f BatchFilter, p Page) (List[Batch], error) {
	out := List[Batch]{Items: []Batch{}}
	where := ` WHERE NOT b.is_deleted AND ($1::bigint IS NULL OR b.template_id = $1) AND ($2::text IS NULL OR b.category = $2)
   AND ($3::boolean IS NULL OR b.is_published = $3) AND (NOT $4::boolean OR b.is_published)`
	args := []any{f.Template, f.Category, f.IsPublished, f.PublishedOnly}
	err := q.snapshot(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+BatchesSchema+`.batches b`+where, args...).Scan(&out.Count); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, batchSelect+where+` ORDER BY b.id OFFSET $5 LIMIT $6`, append(args, p.Offset(), p.Size)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			b, err := scanBatch(rows)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, b)
		}
		return rows.Err()
	})
	if err != nil {
		return out, fmt.Errorf("list batches: %w", err)
	}
	return out, nil
}
