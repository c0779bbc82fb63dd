package guides

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

const guideSelect = `SELECT g.id, g.title, g.category_id, coalesce(c.name, ''), g.file_key, g.file_name, g.content_type,
 g.size, g.sha256, g.created_at, g.updated_at
 FROM ` + ProjectionName + `.guides g LEFT JOIN ` + ProjectionName + `.categories c ON c.id = g.category_id`

func scanGuide(row pgx.Row) (Guide, error) {
	var g Guide
	err := row.Scan(&g.ID, &g.Title, &g.CategoryID, &g.CategoryName, &g.FileKey, &g.FileName, &g.ContentType,
		&g.Size, &g.SHA256, &g.CreatedAt, &g.UpdatedAt)
	return g, err
}

// ListGuides returns the guides that were not removed, by category then
// title; categoryID > 0 keeps one category's, a search those whose title
// contains it, ignoring case.
func (q *Queries) ListGuides(ctx context.Context, categoryID int64, search string) ([]Guide, error) {
	rows, err := q.db.Query(ctx, guideSelect+` WHERE NOT g.removed AND ($1 = 0 OR g.category_id = $1)
   AND ($2 = '' OR strpos(lower(g.title), $2) > 0)
 ORDER BY g.category_id, g.title, g.id`, categoryID, strings.ToLower(strings.TrimSpace(search)))
	if err != nil {
		return nil, fmt.Errorf("list guides: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Guide, error) { return scanGuide(r) })
	if err != nil {
		return nil, fmt.Errorf("list guides: %w", err)
	}
	return out, nil
}

// GetGuide returns a guide that was not removed.
func (q *Queries) GetGuide(ctx context.Context, id int64) (Guide, error) {
	g, err := scanGuide(q.db.QueryRow(ctx, guideSelect+` WHERE g.id = $1 AND NOT g.removed`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return g, ErrNotFound
	}
	if err != nil {
		return g, fmt.Errorf("get guide %d: %w", id, err)
	}
	return g, nil
}
