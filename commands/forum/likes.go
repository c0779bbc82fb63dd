package forum

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/forum"
)

// Like is a user's like of a post, album or long image.
type Like struct {
	Actor     access.Actor
	Subject   forum.Subject
	SubjectID int64
	Meta      eventlog.Metadata
	// NotFound is the error for a subject that does not exist.
	NotFound error
}

// Like appends TravelLiked on the user's like stream of the subject; a
// second like finds it and is refused (forum.ErrAlreadyLiked).
func (h *Handlers) Like(ctx context.Context, cmd Like) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	ok, err := h.subjectExists(ctx, cmd.Subject, cmd.SubjectID)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, notFound(cmd.NotFound)
	}
	stream := forum.LikeStream(cmd.Subject, cmd.SubjectID, by)
	res, err := h.runner.ExecuteLastOptimistic(ctx, stream, cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := forum.Like(lastEvent(last), cmd.Subject, cmd.SubjectID, by, now)
		return []eventlog.Event{e}, err
	})
	return Result{ID: cmd.SubjectID, Position: res.Append.Position}, err
}

// LikeComment is a user's like of a comment on a subject of the given kind.
type LikeComment struct {
	Actor     access.Actor
	Subject   forum.Subject
	CommentID int64
	Meta      eventlog.Metadata
}

// LikeComment appends TravelCommentLiked once per user and comment.
func (h *Handlers) LikeComment(ctx context.Context, cmd LikeComment) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	c, err := h.loadComment(ctx, cmd.CommentID)
	if err != nil {
		return Result{}, err
	}
	if c.Exists() && c.Subject == cmd.Subject {
		ok, err := h.subjectExists(ctx, c.Subject, c.SubjectID)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			c = forum.Comment{}
		}
	}
	stream := forum.CommentLikeStream(cmd.CommentID, by)
	res, err := h.runner.ExecuteLastOptimistic(ctx, stream, cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := forum.LikeComment(c, cmd.Subject, lastEvent(last), by, now)
		return []eventlog.Event{e}, err
	})
	return Result{ID: cmd.CommentID, Position: res.Append.Position}, err
}
