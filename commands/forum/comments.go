package forum

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/forum"
)

// PostComment is a user's comment on a post, album or long image.
type PostComment struct {
	Actor     access.Actor
	Subject   forum.Subject
	SubjectID int64
	Text      string
	Meta      eventlog.Metadata
	// NotFound is the error for a subject that does not exist (the API's
	// words differ per subject).
	NotFound error
}

// PostComment appends TravelCommentPosted under a new id.
func (h *Handlers) PostComment(ctx context.Context, cmd PostComment) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	if _, err := forum.PostComment(0, cmd.Subject, cmd.SubjectID, by, cmd.Text, now); err != nil {
		return Result{}, err
	}
	ok, err := h.subjectExists(ctx, cmd.Subject, cmd.SubjectID)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, notFound(cmd.NotFound)
	}
	id, err := h.allocate(ctx, forum.CommentSequence, cmd.Meta)
	if err != nil {
		return Result{}, err
	}
	res, err := h.runner.ExecuteLast(ctx, forum.CommentStream(id), cmd.Meta, func(*eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := forum.PostComment(id, cmd.Subject, cmd.SubjectID, by, cmd.Text, now)
		return []eventlog.Event{e}, err
	})
	return Result{ID: id, Position: res.Append.Position}, err
}

func notFound(err error) error {
	if err == nil {
		return forum.ErrPostNotFound
	}
	return err
}

// DeleteComment is an author deleting their comment on a subject of the
// given kind.
type DeleteComment struct {
	Actor     access.Actor
	Subject   forum.Subject
	CommentID int64
	Meta      eventlog.Metadata
}

// DeleteComment appends TravelCommentDeleted.
func (h *Handlers) DeleteComment(ctx context.Context, cmd DeleteComment) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLast(ctx, forum.CommentStream(cmd.CommentID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := forum.DeleteComment(forum.CommentFrom(lastEvent(last)), cmd.Subject, by, now)
		return []eventlog.Event{e}, err
	})
	return Result{ID: cmd.CommentID, Position: res.Append.Position}, err
}
