package contacts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Department is a department of the catalogue.
type Department struct {
	ID   int64
	Name string
}

// ListDepartments returns the departments that were not removed, by id.
func (q *Queries) ListDepartments(ctx context.Context) ([]Department, error) {
	rows, err := q.db.Query(ctx, `SELECT id, name FROM `+ProjectionName+`.departments WHERE NOT removed ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Department, error) {
		var d Department
		err := r.Scan(&d.ID, &d.Name)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	return out, nil
}

// GetDepartment returns a department that was not removed.
func (q *Queries) GetDepartment(ctx context.Context, id int64) (Department, error) {
	var d Department
	err := q.db.QueryRow(ctx, `SELECT id, name FROM `+ProjectionName+`.departments WHERE id = $1 AND NOT removed`, id).Scan(&d.ID, &d.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("get department %d: %w", id, err)
	}
	return d, nil
}
