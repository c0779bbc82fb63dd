package forumhttp

import (
	"context"
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	forumcmd "github.com/fiveapis/backend/commands/forum"
	"github.com/fiveapis/backend/domain/forum"
	forumq "github.com/fiveapis/backend/queries/forum"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

const done = "操作成功"

// ID parses a path id; anything but a positive integer is ok false.
func ID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// summary: GET /forum/ → {post_num, new_posts}.
func (h *Handlers) summary(c echo.Context) error {
	ctx := c.Request().Context()
	n, err := h.d.Queries.CountPosts(ctx)
	if err != nil {
		return err
	}
	posts, err := h.d.Queries.Page(ctx, 1)
	if err != nil {
		return err
	}
	return travel.OK(c, "获取成功", map[string]any{"post_num": n, "new_posts": h.list(posts)})
}

func (h *Handlers) list(posts []forumq.Post) []postDTO {
	out := make([]postDTO, 0, len(posts))
	for _, p := range posts {
		out = append(out, h.postOf(p, false))
	}
	return out
}

// page: GET /forum/page/{n} → the page's posts.
func (h *Handlers) page(c echo.Context) error {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		return forum.ErrInvalid
	}
	posts, err := h.d.Queries.Page(c.Request().Context(), n)
	if err != nil {
		return err
	}
	return travel.OK(c, "获取成功", h.list(posts))
}

// post: GET /forum/post/{pid} → the post with its comments.
func (h *Handlers) post(c echo.Context) error {
	id, ok := ID(c.Param("pid"))
	if !ok {
		return forum.ErrPostNotFound
	}
	ctx := c.Request().Context()
	p, err := h.d.Queries.GetPost(ctx, id)
	if errors.Is(err, forumq.ErrNotFound) {
		return forum.ErrPostNotFound
	}
	if err != nil {
		return err
	}
	cs, err := h.d.Queries.Comments(ctx, string(forum.SubjectPost), id)
	if err != nil {
		return err
	}
	dto := h.postOf(p, true)
	comments := Comments(cs, h.d.Zone)
	dto.Comments, dto.CommentNum = &comments, len(comments)
	return travel.OK(c, "获取成功", dto)
}

// optional reads an optional text field.
func optional(f drf.Form, names ...string) *string {
	for _, n := range names {
		if v, ok := f.Opt(n); ok {
			return &v
		}
	}
	return nil
}

// postType reads "type" or "post_type": absent is nil, not an integer an
// invalid parameter.
func postType(f drf.Form) (*int, error) {
	v := optional(f, "type", "post_type")
	if v == nil || *v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(*v)
	if err != nil {
		return nil, forum.ErrInvalid
	}
	return &n, nil
}

// publish: POST /forum/post/new (title, type, text; cover, reference).
func (h *Handlers) publish(c echo.Context) error {
	f, err := travel.ReadForm(c, "参数无效")
	if err != nil {
		return err
	}
	title, text := optional(f, "title"), optional(f, "text")
	pt, err := postType(f)
	if err != nil {
		return err
	}
	if title == nil || text == nil {
		return forum.ErrInvalid
	}
	d := forum.Draft{Title: *title, Text: *text}
	if pt != nil {
		d.PostType = *pt
	}
	if v := optional(f, "cover"); v != nil {
		d.Cover = *v
	}
	if v := optional(f, "reference"); v != nil {
		d.Reference = *v
	}
	res, err := h.d.Commands.PublishPost(c.Request().Context(), forumcmd.PublishPost{Actor: httpapi.Actor(c), Draft: d,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, map[string]any{"post_id": res.ID})
}

// edit: POST /forum/post/{pid}/edit (title, text; type, cover, reference).
func (h *Handlers) edit(c echo.Context) error {
	id, ok := ID(c.Param("pid"))
	if !ok {
		return forum.ErrPostNotFound
	}
	f, err := travel.ReadForm(c, "参数无效")
	if err != nil {
		return err
	}
	pt, err := postType(f)
	if err != nil {
		return err
	}
	e := forum.Edit{Title: optional(f, "title"), Text: optional(f, "text"), Cover: optional(f, "cover"),
		Reference: optional(f, "reference"), PostType: pt}
	if e.Title == nil && e.Text == nil {
		return forum.ErrInvalid
	}
	_, err = h.d.Commands.EditPost(c.Request().Context(), forumcmd.EditPost{Actor: httpapi.Actor(c), PostID: id, Edit: e,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, map[string]any{"post_id": id})
}

// deletePost: GET|POST /forum/post/{pid}/delete.
func (h *Handlers) deletePost(c echo.Context) error {
	id, ok := ID(c.Param("pid"))
	if !ok {
		return forum.ErrPostNotFound
	}
	if _, err := h.d.Commands.DeletePost(c.Request().Context(), forumcmd.DeletePost{Actor: httpapi.Actor(c), PostID: id,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, nil)
}

// likePost: GET|POST /forum/post/{pid}/like.
func (h *Handlers) likePost(c echo.Context) error {
	id, ok := ID(c.Param("pid"))
	if !ok {
		return forum.ErrPostNotFound
	}
	if _, err := h.d.Commands.Like(c.Request().Context(), forumcmd.Like{Actor: httpapi.Actor(c), Subject: forum.SubjectPost,
		SubjectID: id, NotFound: forum.ErrPostNotFound, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, nil)
}

// comment: POST /forum/comment/new (pid, text).
func (h *Handlers) comment(c echo.Context) error {
	f, err := travel.ReadForm(c, "参数无效")
	if err != nil {
		return err
	}
	pid, text := optional(f, "pid", "post_id"), optional(f, "text")
	if pid == nil || text == nil {
		return forum.ErrInvalid
	}
	id, ok := ID(*pid)
	if !ok {
		return forum.ErrInvalid
	}
	res, err := h.d.Commands.PostComment(c.Request().Context(), forumcmd.PostComment{Actor: httpapi.Actor(c),
		Subject: forum.SubjectPost, SubjectID: id, Text: *text, NotFound: forum.ErrPostNotFound,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, map[string]any{"comment_id": res.ID})
}

// deleteComment: GET|POST /forum/comment/{cid}/delete.
func (h *Handlers) deleteComment(c echo.Context) error {
	return DeleteComment(c, h.d.Commands, h.d.Clock, forum.SubjectPost)
}

// likeComment: GET|POST /forum/comment/{cid}/like.
func (h *Handlers) likeComment(c echo.Context) error {
	return LikeComment(c, h.d.Commands, h.d.Clock, forum.SubjectPost)
}

// CommentCommands are the comment commands the album routes share.
type CommentCommands interface {
	DeleteComment(ctx context.Context, cmd forumcmd.DeleteComment) (forumcmd.Result, error)
	LikeComment(ctx context.Context, cmd forumcmd.LikeComment) (forumcmd.Result, error)
}

// DeleteComment answers a comment's deletion by its author (path "cid").
func DeleteComment(c echo.Context, cmds CommentCommands, clock Clock, s forum.Subject) error {
	id, ok := ID(c.Param("cid"))
	if !ok {
		return forum.ErrCommentNotFound
	}
	if _, err := cmds.DeleteComment(c.Request().Context(), forumcmd.DeleteComment{Actor: httpapi.Actor(c), Subject: s,
		CommentID: id, Meta: httpapi.EventMeta(c, clock.Now())}); err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, nil)
}

// LikeComment answers a comment's like (path "cid").
func LikeComment(c echo.Context, cmds CommentCommands, clock Clock, s forum.Subject) error {
	id, ok := ID(c.Param("cid"))
	if !ok {
		return forum.ErrCommentNotFound
	}
	if _, err := cmds.LikeComment(c.Request().Context(), forumcmd.LikeComment{Actor: httpapi.Actor(c), Subject: s,
		CommentID: id, Meta: httpapi.EventMeta(c, clock.Now())}); err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, nil)
}
