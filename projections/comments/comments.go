// Package comments holds the read model of Roamio's comments (projector
// "comments"): queries/comments reads comments.comments and comments.likes.
package comments

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/comments"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	commentsq "github.com/fiveapis/backend/queries/comments"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per comment (with its likes and direct replies
// counted) and one per user's standing like.
type Projector struct{}

func (Projector) Name() string { return commentsq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{comments.CommentCategory, comments.LikeCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE comments (
    id            bigint PRIMARY KEY,
    user_id       bigint      NOT NULL,
    page          text        NOT NULL,
    parent_id     bigint      NOT NULL,
    root_id       bigint      NOT NULL,
    content       text        NOT NULL,
    image         text        NOT NULL,
    video         text        NOT NULL,
    pinned        boolean     NOT NULL DEFAULT false,
    likes         bigint      NOT NULL DEFAULT 0,
    replies_count bigint      NOT NULL DEFAULT 0,
    deleted       boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX comments_page ON comments (page, pinned DESC, created_at DESC, id DESC) WHERE NOT deleted AND parent_id = 0;
CREATE INDEX comments_root ON comments (root_id) WHERE NOT deleted;
CREATE INDEX comments_user ON comments (user_id) WHERE NOT deleted;
CREATE INDEX comments_parent ON comments (parent_id) WHERE NOT deleted;

CREATE TABLE likes (
    comment_id bigint NOT NULL,
    user_id    bigint NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case comments.CommentPosted:
		var tag interface{ RowsAffected() int64 }
		tag, err = tx.Exec(ctx, `
INSERT INTO comments (id, user_id, page, parent_id, root_id, content, image, video, created_at, updated_at)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) ON CONFLICT (id) DO NOTHING`,
			e.CommentID, e.UserID, e.Page, e.ParentID, e.RootID, e.Content, e.Image, e.Video, e.PostedAt)
		if err == nil && tag.RowsAffected() == 1 && e.ParentID != 0 {
			_, err = tx.Exec(ctx, `UPDATE comments SET replies_count = replies_count + 1 WHERE id = $1`, e.ParentID)
		}
	case comments.CommentEdited:
		_, err = tx.Exec(ctx, `UPDATE comments SET content = $2, updated_at = $3 WHERE id = $1`, e.CommentID, e.Content, e.EditedAt)
	case comments.CommentMediaAdded:
		col := "image"
		if e.Kind == comments.MediaVideo {
			col = "video"
		}
		_, err = tx.Exec(ctx, `UPDATE comments SET `+col+` = $2, updated_at = $3 WHERE id = $1`, e.CommentID, e.URL, e.AddedAt)
	case comments.CommentPinned:
		_, err = tx.Exec(ctx, `UPDATE comments SET pinned = $2 WHERE id = $1`, e.CommentID, e.Pinned)
	case comments.CommentDeleted:
		var tag interface{ RowsAffected() int64 }
		tag, err = tx.Exec(ctx, `UPDATE comments SET deleted = true, updated_at = $2 WHERE id = $1 AND NOT deleted`, e.CommentID, e.DeletedAt)
		if err == nil && tag.RowsAffected() == 1 && e.ParentID != 0 {
			_, err = tx.Exec(ctx, `UPDATE comments SET replies_count = replies_count - 1 WHERE id = $1`, e.ParentID)
		}
	case comments.CommentLiked:
		var tag interface{ RowsAffected() int64 }
		tag, err = tx.Exec(ctx, `INSERT INTO likes (comment_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.CommentID, e.UserID)
		if err == nil && tag.RowsAffected() == 1 {
			_, err = tx.Exec(ctx, `UPDATE comments SET likes = likes + 1 WHERE id = $1`, e.CommentID)
		}
	case comments.CommentUnliked:
		var tag interface{ RowsAffected() int64 }
		tag, err = tx.Exec(ctx, `DELETE FROM likes WHERE comment_id = $1 AND user_id = $2`, e.CommentID, e.UserID)
		if err == nil && tag.RowsAffected() == 1 {
			_, err = tx.Exec(ctx, `UPDATE comments SET likes = likes - 1 WHERE id = $1`, e.CommentID)
		}
	}
	return err
}
