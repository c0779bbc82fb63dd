package cards

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// TemplateFilter selects templates (002 §1.1). Deleted templates are never
// listed.
type TemplateFilter struct {
	Category *string
	IsActive *bool
}

const templateColumns = `id, name, category, description, image, attributes, rarity, is_active, created_at, updated_at`

func scanTemplate(row pgx.Row) (Template, error) {
	var (
		t     Template
		attrs []byte
	)
	if err := row.Scan(&t.ID, &t.Name, &t.Category, &t.Description, &t.Image, &attrs, &t.Rarity, &t.IsActive, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return t, err
	}
	m, err := attributes(attrs)
	t.Attributes = m
	return t, err
}

// ListTemplates returns a page of templates ordered by id.
func (q *Queries) ListTemplates(ctx context.Context, f TemplateFilter, p Page) (List[Template], error) {
	out := List[Template]{Items: []Template{}}
	where := ` FROM ` + TemplatesSchema + `.templates WHERE NOT is_deleted AND ($1::text IS NULL OR category = $1) AND ($2::boolean IS NULL OR is_active = $2)`
	err := q.snapshot(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*)`+where, f.Category, f.IsActive).Scan(&out.Count); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+templateColumns+where+` ORDER BY id OFFSET $3 LIMIT $4`, f.Category, f.IsActive, p.Offset(), p.Size)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTemplate(rows)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, t)
		}
		return rows.Err()
	})
	if err != nil {
		return out, fmt.Errorf("list templates: %w", err)
	}
	return out, nil
}
