// Package forum answers the queries of 004's community from the read model
// projections/forum maintains (views forum.posts, forum.comments,
// forum.counts), with each author's name, gender and avatar from the
// identity read model (identity.users). One file per query.
package forum

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read;
// commands wait for it before they answer.
const ProjectionName = "forum"

// PageSize is how many posts a page holds.
const PageSize = 10

// ErrNotFound is returned for a post that does not exist.
var ErrNotFound = errors.New("forum: not found")

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the forum queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// Author is who wrote a post or comment.
type Author struct {
	UserID    int64
	Username  string
	Gender    int
	AvatarKey string
}

// Post is a post that was not deleted.
type Post struct {
	ID         int64
	Author     Author
	Title      string
	PostType   int
	Text       string
	Cover      string
	Reference  string
	LikeNum    int
	CommentNum int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Comment is a comment that was not deleted.
type Comment struct {
	ID        int64
	Author    Author
	Text      string
	LikeNum   int
	CreatedAt time.Time
}

// author is the SQL of an author's columns from identity.users u joined on
// the author's id.
const author = `coalesce(u.id, 0), coalesce(u.username, ''), coalesce(u.gender, 0), coalesce(u.avatar_key, '')`
