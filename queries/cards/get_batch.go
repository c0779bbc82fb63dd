package cards

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// GetBatch returns a batch that is not deleted; publishedOnly hides
// unpublished batches (from non-admins).
func (q *Queries) GetBatch(ctx context.Context, id int64, publishedOnly bool) (Batch, error) {
	b, err := scanBatch(q.db.QueryRow(ctx, batchSelect+` WHERE b.id = $1 AND NOT b.is_deleted AND (NOT $2::boolean OR b.is_published)`, id, publishedOnly))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, ErrNotFound
	}
	if err != nil {
		return b, fmt.Errorf("get batch %d: %w", id, err)
	}
	return b, nil
}
