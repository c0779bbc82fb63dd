package tickets

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/queries/filters"
)

// AreaColumns, ClusterColumns, RoleColumns and CommentColumns are the fields
// those lists are filtered and ordered by.
var (
	AreaColumns    = filters.Columns{"id": "id", "name": "name", "kind": "kind", "parent": "parent_id"}
	ClusterColumns = filters.Columns{"id": "id", "name": "name", "slag": "slag"}
	RoleColumns    = filters.Columns{"id": "id", "user": "user_id", "casting": "casting", "area": "area_id", "is_active": "active",
		"create_time": "created_at"}
	CommentColumns = filters.Columns{"id": "c.id", "ticket": "c.ticket_id", "author": "c.author_id", "create_time": "c.created_at"}
)

// list runs a filtered page over a table (args start with fixed ones).
func list[T any](ctx context.Context, db ReadModel, cols filters.Columns, p filters.Page, selectCols, from string, fixed []any,
	scan func(pgx.CollectableRow) (T, error)) ([]T, int, error) {
	where, order, args, err := p.SQL(cols, fixed, "1")
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM `+from+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	n := len(args)
	rows, err := db.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s%s ORDER BY %s OFFSET $%d LIMIT $%d`, selectCols, from, where, order, n+1, n+2),
		append(args, p.Offset, p.Limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list: %w", err)
	}
	out, err := pgx.CollectRows(rows, scan)
	return out, total, err
}

const areaCols = `id, name, kind, parent_id, created_at, updated_at`

// ListAreas returns a page of places (ordered by id unless asked).
func (q *Queries) ListAreas(ctx context.Context, p filters.Page) ([]Area, int, error) {
	return list(ctx, q.db, AreaColumns, p, areaCols, ProjectionName+`.areas WHERE true`, nil, pgx.RowToStructByPos[Area])
}

// GetArea returns a place.
func (q *Queries) GetArea(ctx context.Context, id int64) (Area, error) {
	rows, err := q.db.Query(ctx, `SELECT `+areaCols+` FROM `+ProjectionName+`.areas WHERE id = $1`, id)
	if err != nil {
		return Area{}, fmt.Errorf("get area: %w", err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Area])
	if errors.Is(err, pgx.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

const clusterCols = `id, name, slag, created_at`

// ListClusters returns a page of clusters.
func (q *Queries) ListClusters(ctx context.Context, p filters.Page) ([]Cluster, int, error) {
	return list(ctx, q.db, ClusterColumns, p, clusterCols, ProjectionName+`.clusters WHERE true`, nil, pgx.RowToStructByPos[Cluster])
}

// GetCluster returns a cluster.
func (q *Queries) GetCluster(ctx context.Context, id int64) (Cluster, error) {
	rows, err := q.db.Query(ctx, `SELECT `+clusterCols+` FROM `+ProjectionName+`.clusters WHERE id = $1`, id)
	if err != nil {
		return Cluster{}, fmt.Errorf("get cluster: %w", err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Cluster])
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

const roleCols = `id, user_id, casting, area_id, active, created_at, updated_at`

// ListRoles returns a page of roles: every one to admins, their own to
// others.
func (q *Queries) ListRoles(ctx context.Context, v Viewer, p filters.Page) ([]Role, int, error) {
	return list(ctx, q.db, RoleColumns, p, roleCols, ProjectionName+`.roles WHERE ($2 OR user_id = $1)`, []any{v.UserID, v.Admin},
		pgx.RowToStructByPos[Role])
}

// GetRole returns a role the viewer may see (an admin: any; others: theirs).
func (q *Queries) GetRole(ctx context.Context, v Viewer, id int64) (Role, error) {
	rows, err := q.db.Query(ctx, `SELECT `+roleCols+` FROM `+ProjectionName+`.roles WHERE ($2 OR user_id = $1) AND id = $3`, v.UserID, v.Admin, id)
	if err != nil {
		return Role{}, fmt.Errorf("get role: %w", err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Role])
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// ListComments returns a page of the comments on tickets the viewer may see.
func (q *Queries) ListComments(ctx context.Context, v Viewer, p filters.Page) ([]Comment, int, error) {
	return list(ctx, q.db, CommentColumns, p, `c.id, c.ticket_id, c.author_id, c.content, c.created_at`,
		ProjectionName+`.comments c JOIN `+ProjectionName+`.tickets t ON t.id = c.ticket_id WHERE `+visible, []any{v.UserID, v.Admin},
		pgx.RowToStructByPos[Comment])
}

// GetComment returns a comment on a ticket the viewer may see.
func (q *Queries) GetComment(ctx context.Context, v Viewer, id int64) (Comment, error) {
	rows, err := q.db.Query(ctx, `SELECT c.id, c.ticket_id, c.author_id, c.content, c.created_at FROM `+ProjectionName+`.comments c
 JOIN `+ProjectionName+`.tickets t ON t.id = c.ticket_id WHERE `+visible+` AND c.id = $3`, v.UserID, v.Admin, id)
	if err != nil {
		return Comment{}, fmt.Errorf("get comment: %w", err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Comment])
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// Officials are the users holding an active role for a village or its area
// (whom a ticket's notices go to).
func (q *Queries) Officials(ctx context.Context, villageID, areaID int64) ([]int64, error) {
	rows, err := q.db.Query(ctx, `SELECT DISTINCT user_id FROM `+ProjectionName+`.roles WHERE active AND area_id IN ($1, $2) ORDER BY 1`,
		villageID, areaID)
	if err != nil {
		return nil, fmt.Errorf("officials: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
