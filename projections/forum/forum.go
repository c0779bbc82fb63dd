// Package forum holds the read model of 004's community (projector
// "forum"): posts, comments, and the like and comment counts of every
// subject (posts, albums, long images); queries/forum reads it through the
// views forum.posts, forum.comments and forum.counts.
package forum

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/forum"
	"github.com/fiveapis/backend/projections/engine"
	forumq "github.com/fiveapis/backend/queries/forum"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per post and comment (deleted ones flagged) and
// the counts of each subject.
type Projector struct{}

func (Projector) Name() string { return forumq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{forum.PostCategory, forum.CommentCategory, forum.LikeCategory, forum.CommentLikeCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE posts (
    id         bigint PRIMARY KEY,
    author_id  bigint      NOT NULL,
    title      text        NOT NULL,
    post_type  integer     NOT NULL,
    text       text        NOT NULL,
    cover      text        NOT NULL,
    reference  text        NOT NULL,
    deleted    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX posts_live ON posts (created_at DESC, id DESC) WHERE NOT deleted;

CREATE TABLE comments (
    id         bigint PRIMARY KEY,
    subject    text        NOT NULL,
    subject_id bigint      NOT NULL,
    author_id  bigint      NOT NULL,
    text       text        NOT NULL,
    like_num   integer     NOT NULL DEFAULT 0,
    deleted    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);
CREATE INDEX comments_of ON comments (subject, subject_id, created_at, id) WHERE NOT deleted;

CREATE TABLE counts (
    subject     text    NOT NULL,
    subject_id  bigint  NOT NULL,
    like_num    integer NOT NULL DEFAULT 0,
    comment_num integer NOT NULL DEFAULT 0,
    PRIMARY KEY (subject, subject_id)
);
`
}

const bump = `INSERT INTO counts (subject, subject_id, like_num, comment_num) VALUES ($1, $2, $3, $4)
ON CONFLICT (subject, subject_id) DO UPDATE SET like_num = counts.like_num + $3, comment_num = counts.comment_num + $4`

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case forum.ForumPostPublished:
		_, err = tx.Exec(ctx, `INSERT INTO posts (id, author_id, title, post_type, text, cover, reference, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id) DO NOTHING`,
			e.PostID, e.AuthorID, e.Title, e.PostType, e.Text, e.Cover, e.Reference, e.PublishedAt)
	case forum.ForumPostEdited:
		_, err = tx.Exec(ctx, `UPDATE posts SET title = $2, post_type = $3, text = $4, cover = $5, reference = $6, updated_at = $7
 WHERE id = $1`, e.PostID, e.Title, e.PostType, e.Text, e.Cover, e.Reference, e.EditedAt)
	case forum.ForumPostDeleted:
		_, err = tx.Exec(ctx, `UPDATE posts SET deleted = true, updated_at = $2 WHERE id = $1`, e.PostID, e.DeletedAt)
	case forum.TravelCommentPosted:
		_, err = tx.Exec(ctx, `INSERT INTO comments (id, subject, subject_id, author_id, text, created_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`, e.CommentID, string(e.Subject), e.SubjectID, e.AuthorID, e.Text, e.PostedAt)
		if err == nil {
			_, err = tx.Exec(ctx, bump, string(e.Subject), e.SubjectID, 0, 1)
		}
	case forum.TravelCommentDeleted:
		_, err = tx.Exec(ctx, `UPDATE comments SET deleted = true WHERE id = $1`, e.CommentID)
		if err == nil {
			_, err = tx.Exec(ctx, bump, string(e.Subject), e.SubjectID, 0, -1)
		}
	case forum.TravelLiked:
		_, err = tx.Exec(ctx, bump, string(e.Subject), e.SubjectID, 1, 0)
	case forum.TravelCommentLiked:
		_, err = tx.Exec(ctx, `UPDATE comments SET like_num = like_num + 1 WHERE id = $1`, e.CommentID)
	}
	return err
}
