package guides

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const categorySelect = `SELECT c.id, c.name,
 (SELECT count(*) FROM ` + ProjectionName + `.guides g WHERE g.category_id = c.id AND NOT g.removed)
 FROM ` + ProjectionName + `.categories c`

func scanCategory(row pgx.Row) (Category, error) {
	var c Category
	err := row.Scan(&c.ID, &c.Name, &c.Guides)
	return c, err
}

// ListCategories returns every category that was not removed, by id.
func (q *Queries) ListCategories(ctx context.Context) ([]Category, error) {
	rows, err := q.db.Query(ctx, categorySelect+` WHERE NOT c.removed ORDER BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("list guide categories: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Category, error) { return scanCategory(r) })
	if err != nil {
		return nil, fmt.Errorf("list guide categories: %w", err)
	}
	return out, nil
}

// GetCategory returns a category that was not removed.
func (q *Queries) GetCategory(ctx context.Context, id int64) (Category, error) {
	c, err := scanCategory(q.db.QueryRow(ctx, categorySelect+` WHERE c.id = $1 AND NOT c.removed`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get guide category %d: %w", id, err)
	}
	return c, nil
}
