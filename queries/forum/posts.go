package forum

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const postSelect = `SELECT p.id, ` + author + `, p.title, p.post_type, p.text, p.cover, p.reference,
 coalesce(n.like_num, 0), coalesce(n.comment_num, 0), p.created_at, p.updated_at
 FROM ` + ProjectionName + `.posts p
 LEFT JOIN identity.users u ON u.id = p.author_id
 LEFT JOIN ` + ProjectionName + `.counts n ON n.subject = 'post' AND n.subject_id = p.id`

func scanPost(row pgx.Row) (Post, error) {
	var p Post
	err := row.Scan(&p.ID, &p.Author.UserID, &p.Author.Username, &p.Author.Gender, &p.Author.AvatarKey,
		&p.Title, &p.PostType, &p.Text, &p.Cover, &p.Reference, &p.LikeNum, &p.CommentNum, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// CountPosts is how many posts there are.
func (q *Queries) CountPosts(ctx context.Context) (int, error) {
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+ProjectionName+`.posts WHERE NOT deleted`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return n, nil
}

// Page returns page n (from 1) of the posts, newest first, PageSize a page.
func (q *Queries) Page(ctx context.Context, n int) ([]Post, error) {
	if n < 1 {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, postSelect+` WHERE NOT p.deleted ORDER BY p.created_at DESC, p.id DESC LIMIT $1 OFFSET $2`,
		PageSize, int64(n-1)*PageSize)
	if err != nil {
		return nil, fmt.Errorf("posts page %d: %w", n, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Post, error) { return scanPost(r) })
	if err != nil {
		return nil, fmt.Errorf("posts page %d: %w", n, err)
	}
	return out, nil
}

// GetPost returns a post that was not deleted.
func (q *Queries) GetPost(ctx context.Context, id int64) (Post, error) {
	p, err := scanPost(q.db.QueryRow(ctx, postSelect+` WHERE p.id = $1 AND NOT p.deleted`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("get post %d: %w", id, err)
	}
	return p, nil
}
