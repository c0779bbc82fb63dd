package repairs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const repairColumns = `id, user_id, location, category_id, category_name, description, status, notify, created_at, updated_at`

func scanRepair(row pgx.Row) (Repair, error) {
	var r Repair
	err := row.Scan(&r.ID, &r.UserID, &r.Location, &r.CategoryID, &r.CategoryName, &r.Description, &r.Status, &r.Notify,
		&r.CreatedAt, &r.UpdatedAt)
	return r, err
}

func (q *Queries) repairs(ctx context.Context, sql string, args ...any) ([]Repair, error) {
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list repairs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Repair, error) { return scanRepair(r) })
	if err != nil {
		return nil, fmt.Errorf("list repairs: %w", err)
	}
	return out, nil
}

// MyRepairs returns a user's requests, newest first.
func (q *Queries) MyRepairs(ctx context.Context, userID int64) ([]Repair, error) {
	return q.repairs(ctx, `SELECT `+repairColumns+` FROM `+ProjectionName+`.repairs WHERE user_id = $1
 ORDER BY created_at DESC, id DESC`, userID)
}

// Filter selects requests for admins: empty Status and zero CategoryID mean
// any.
type Filter struct {
	Status     string
	CategoryID int64
	Offset     int
	Limit      int
}

// ListRepairs returns a page of requests, newest first, and how many match.
func (q *Queries) ListRepairs(ctx context.Context, f Filter) ([]Repair, int, error) {
	const where = ` WHERE ($1 = '' OR status = $1) AND ($2 = 0 OR category_id = $2)`
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+ProjectionName+`.repairs`+where, f.Status, f.CategoryID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count repairs: %w", err)
	}
	out, err := q.repairs(ctx, `SELECT `+repairColumns+` FROM `+ProjectionName+`.repairs`+where+`
 ORDER BY created_at DESC, id DESC OFFSET $3 LIMIT $4`, f.Status, f.CategoryID, f.Offset, f.Limit)
	return out, total, err
}

// GetRepair returns a request with its history of status changes, oldest
// first.
func (q *Queries) GetRepair(ctx context.Context, id int64) (Repair, error) {
	r, err := scanRepair(q.db.QueryRow(ctx, `SELECT `+repairColumns+` FROM `+ProjectionName+`.repairs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("get repair %d: %w", id, err)
	}
	rows, err := q.db.Query(ctx, `SELECT from_status, to_status, changed_by, changed_at FROM `+ProjectionName+`.status_changes
 WHERE repair_id = $1 ORDER BY version`, id)
	if err != nil {
		return r, fmt.Errorf("repair %d history: %w", id, err)
	}
	if r.History, err = pgx.CollectRows(rows, pgx.RowToStructByPos[StatusChange]); err != nil {
		return r, fmt.Errorf("repair %d history: %w", id, err)
	}
	return r, nil
}
