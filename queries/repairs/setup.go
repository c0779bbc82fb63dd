package repairs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ListCategories returns the categories that were not removed, by id.
func (q *Queries) ListCategories(ctx context.Context) ([]Category, error) {
	rows, err := q.db.Query(ctx, `SELECT id, name FROM `+ProjectionName+`.categories WHERE NOT removed ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list repair categories: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Category])
	if err != nil {
		return nil, fmt.Errorf("list repair categories: %w", err)
	}
	return out, nil
}

// GetCategory returns a category that was not removed.
func (q *Queries) GetCategory(ctx context.Context, id int64) (Category, error) {
	var c Category
	err := q.db.QueryRow(ctx, `SELECT id, name FROM `+ProjectionName+`.categories WHERE id = $1 AND NOT removed`, id).Scan(&c.ID, &c.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get repair category %d: %w", id, err)
	}
	return c, nil
}

// ListAddresses returns the notified addresses that were not removed, by id.
func (q *Queries) ListAddresses(ctx context.Context) ([]Address, error) {
	rows, err := q.db.Query(ctx, `SELECT id, email, category_ids FROM `+ProjectionName+`.addresses WHERE NOT removed ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list repair notice addresses: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Address])
	if err != nil {
		return nil, fmt.Errorf("list repair notice addresses: %w", err)
	}
	return out, nil
}

// GetAddress returns an address that was not removed.
func (q *Queries) GetAddress(ctx context.Context, id int64) (Address, error) {
	var a Address
	err := q.db.QueryRow(ctx, `SELECT id, email, category_ids FROM `+ProjectionName+`.addresses WHERE id = $1 AND NOT removed`, id).
		Scan(&a.ID, &a.Email, &a.CategoryIDs)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("get repair notice address %d: %w", id, err)
	}
	return a, nil
}
