package cards

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// GetTemplate returns a template that is not deleted.
func (q *Queries) GetTemplate(ctx context.Context, id int64) (Template, error) {
	t, err := scanTemplate(q.db.QueryRow(ctx, `SELECT `+templateColumns+` FROM `+TemplatesSchema+`.templates WHERE id = $1 AND NOT is_deleted`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("get template %d: %w", id, err)
	}
	return t, nil
}
