package forum

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/forum"
)

// PublishPost is a user's new post.
type PublishPost struct {
	Actor access.Actor
	Draft forum.Draft
	Meta  eventlog.Metadata
}

// PublishPost appends ForumPostPublished under a new id.
func (h *Handlers) PublishPost(ctx context.Context, cmd PublishPost) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	if _, err := forum.Publish(0, by, cmd.Draft, now); err != nil {
		return Result{}, err
	}
	id, err := h.allocate(ctx, forum.PostSequence, cmd.Meta)
	if err != nil {
		return Result{}, err
	}
	res, err := h.runner.ExecuteLast(ctx, forum.PostStream(id), cmd.Meta, func(*eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := forum.Publish(id, by, cmd.Draft, now)
		return []eventlog.Event{e}, err
	})
	return Result{ID: id, Position: res.Append.Position}, err
}

// EditPost is an author's edit of their post.
type EditPost struct {
	Actor  access.Actor
	PostID int64
	Edit   forum.Edit
	Meta   eventlog.Metadata
}

// EditPost appends ForumPostEdited (nothing when nothing changed).
func (h *Handlers) EditPost(ctx context.Context, cmd EditPost) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLast(ctx, forum.PostStream(cmd.PostID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := forum.EditPost(forum.PostFrom(lastEvent(last)), by, cmd.Edit, now)
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{*e}, nil
	})
	return Result{ID: cmd.PostID, Position: res.Append.Position}, err
}

// DeletePost is an author deleting their post.
type DeletePost struct {
	Actor  access.Actor
	PostID int64
	Meta   eventlog.Metadata
}

// DeletePost appends ForumPostDeleted.
func (h *Handlers) DeletePost(ctx context.Context, cmd DeletePost) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLast(ctx, forum.PostStream(cmd.PostID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := forum.DeletePost(forum.PostFrom(lastEvent(last)), by, now)
		return []eventlog.Event{e}, err
	})
	return Result{ID: cmd.PostID, Position: res.Append.Position}, err
}
