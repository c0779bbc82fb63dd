// Package comments answers the queries of Roamio's comments from the read
// model projections/comments maintains (comments.comments,
// comments.likes). One file per query.
package comments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read.
const ProjectionName = "comments"

// MaxPageSize bounds a page of comments.
const MaxPageSize = 100

// ErrNotFound is a comment that does not exist or was deleted.
var ErrNotFound = errors.New("comments: not found")

// ReadModel is the PostgreSQL the read models live in.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the comment queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Comment is a comment as read; LikedByMe is the viewer's like.
type Comment struct {
	ID           int64
	UserID       int64
	Page         string
	ParentID     int64
	RootID       int64
	Content      string
	Image        string
	Video        string
	Pinned       bool
	Likes        int64
	RepliesCount int64
	LikedByMe    bool
	CreatedAt    time.Time
}

const columns = `c.id, c.user_id, c.page, c.parent_id, c.root_id, c.content, c.image, c.video, c.pinned, c.likes, c.replies_count,
 EXISTS (SELECT 1 FROM ` + ProjectionName + `.likes l WHERE l.comment_id = c.id AND l.user_id = $1), c.created_at`

func scan(row pgx.Row) (Comment, error) {
	var c Comment
	err := row.Scan(&c.ID, &c.UserID, &c.Page, &c.ParentID, &c.RootID, &c.Content, &c.Image, &c.Video, &c.Pinned, &c.Likes,
		&c.RepliesCount, &c.LikedByMe, &c.CreatedAt)
	return c, err
}

func (q *Queries) list(ctx context.Context, sql string, args ...any) ([]Comment, error) {
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Comment, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	return out, nil
}

// Filter selects comments: Page "" any page, UserID 0 any user; ParentID 0
// top-level comments, otherwise that comment's direct replies.
type Filter struct {
	Page     string
	UserID   int64
	ParentID int64
	Viewer   int64
	Offset   int
	Limit    int
}

// List returns a page of comments, pinned first then newest, and how many
// match.
func (q *Queries) List(ctx context.Context, f Filter) ([]Comment, int, error) {
	const where = ` WHERE NOT c.deleted AND ($2 = '' OR c.page = $2) AND ($3 = 0 OR c.user_id = $3) AND c.parent_id = $4`
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+ProjectionName+`.comments c
 WHERE NOT c.deleted AND ($1 = '' OR c.page = $1) AND ($2 = 0 OR c.user_id = $2) AND c.parent_id = $3`,
		f.Page, f.UserID, f.ParentID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count comments: %w", err)
	}
	out, err := q.list(ctx, `SELECT `+columns+` FROM `+ProjectionName+`.comments c`+where+`
 ORDER BY c.pinned DESC, c.created_at DESC, c.id DESC OFFSET $5 LIMIT $6`, f.Viewer, f.Page, f.UserID, f.ParentID, f.Offset, f.Limit)
	return out, total, err
}

// Threads returns every standing reply in the threads of the roots, oldest
// first.
func (q *Queries) Threads(ctx context.Context, viewer int64, roots []int64) ([]Comment, error) {
	return q.list(ctx, `SELECT `+columns+` FROM `+ProjectionName+`.comments c
 WHERE NOT c.deleted AND c.root_id = ANY($2) AND c.id <> c.root_id ORDER BY c.created_at, c.id`, viewer, roots)
}

// Get returns one standing comment.
func (q *Queries) Get(ctx context.Context, viewer, id int64) (Comment, error) {
	c, err := scan(q.db.QueryRow(ctx, `SELECT `+columns+` FROM `+ProjectionName+`.comments c WHERE c.id = $2 AND NOT c.deleted`, viewer, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get comment %d: %w", id, err)
	}
	return c, nil
}

// PageCounts counts the standing comments (replies included) of pages.
func (q *Queries) PageCounts(ctx context.Context, pages []string) (map[string]int, error) {
	return countBy[string](ctx, q.db, `SELECT page, count(*) FROM `+ProjectionName+`.comments WHERE NOT deleted AND page = ANY($1) GROUP BY page`, pages)
}

// UserCounts counts the users' standing comments.
func (q *Queries) UserCounts(ctx context.Context, userIDs []int64) (map[int64]int, error) {
	return countBy[int64](ctx, q.db, `SELECT user_id, count(*) FROM `+ProjectionName+`.comments WHERE NOT deleted AND user_id = ANY($1) GROUP BY user_id`, userIDs)
}

func countBy[K comparable](ctx context.Context, db ReadModel, sql string, arg any) (map[K]int, error) {
	rows, err := db.Query(ctx, sql, arg)
	if err != nil {
		return nil, fmt.Errorf("count comments: %w", err)
	}
	defer rows.Close()
	out := map[K]int{}
	for rows.Next() {
		var k K
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("count comments: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}
