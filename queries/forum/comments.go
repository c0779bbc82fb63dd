package forum

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Comments returns the comments of a subject ("post", "movie", "photo"),
// oldest first.
func (q *Queries) Comments(ctx context.Context, subject string, id int64) ([]Comment, error) {
	rows, err := q.db.Query(ctx, `SELECT c.id, `+author+`, c.text, c.like_num, c.created_at
 FROM `+ProjectionName+`.comments c LEFT JOIN identity.users u ON u.id = c.author_id
 WHERE c.subject = $1 AND c.subject_id = $2 AND NOT c.deleted ORDER BY c.created_at, c.id`, subject, id)
	if err != nil {
		return nil, fmt.Errorf("comments of %s %d: %w", subject, id, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Comment, error) {
		var c Comment
		err := r.Scan(&c.ID, &c.Author.UserID, &c.Author.Username, &c.Author.Gender, &c.Author.AvatarKey, &c.Text, &c.LikeNum, &c.CreatedAt)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("comments of %s %d: %w", subject, id, err)
	}
	return out, nil
}
