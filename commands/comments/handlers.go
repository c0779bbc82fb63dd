// Package comments holds the command handlers of Roamio's threaded
// comments: one stream per comment, decided with the version read; a
// user's like of a comment on its own stream, toggled on its last event.
package comments

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/comments"
	"github.com/fiveapis/backend/domain/eventlog"
)

// Handlers executes the comment commands.
type Handlers struct {
	runner *handling.Runner
	seqs   *handling.Runner
	store  handling.EventStore
	clock  handling.Clock
}

// New returns the handlers.
func New(runner *handling.Runner, clock handling.Clock) *Handlers {
	store := runner.Store()
	return &Handlers{runner: handling.NewRunner(store, handling.Config{MaxAttempts: 100, Backoff: 2 * time.Millisecond}),
		seqs:  handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store: store, clock: clock}
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// Result is where a command's events landed (zero when nothing changed).
type Result struct {
	Position eventlog.Position
}

func (h *Handlers) load(ctx context.Context, id int64) (comments.Comment, error) {
	history, _, err := h.store.Load(ctx, comments.CommentStream(id))
	if err != nil {
		return comments.Comment{}, fmt.Errorf("load comment %d: %w", id, err)
	}
	return comments.CommentFrom(history), nil
}

// Post is a user's comment or reply (POST /comments/).
type Post struct {
	Actor access.Actor
	Post  comments.Post
	Meta  eventlog.Metadata
}

// Posted is the new comment's event.
type Posted struct {
	Posted   comments.CommentPosted
	Position eventlog.Position
}

// Post validates the comment (a reply's parent must exist on the same
// page), takes an id from "comment" and appends CommentPosted.
func (h *Handlers) Post(ctx context.Context, cmd Post) (Posted, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return Posted{}, err
	}
	now := h.now(&cmd.Meta)
	p := cmd.Post
	p.UserID = uid
	var parent comments.Comment
	if p.ParentID != 0 {
		if p.ParentID < 0 {
			return Posted{}, comments.ErrNoSuchParent
		}
		if parent, err = h.load(ctx, p.ParentID); err != nil {
			return Posted{}, err
		}
	}
	if _, err := comments.PostComment(1, p, parent, now); err != nil {
		return Posted{}, err
	}
	ids, err := h.seqs.AllocateIDs(ctx, comments.CommentSequence, 1, "", cmd.Meta)
	if err != nil {
		return Posted{}, err
	}
	id := ids.First
	res, err := h.runner.Execute(ctx, comments.CommentStream(id), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, fmt.Errorf("comment %d already exists", id)
		}
		e, err := comments.PostComment(id, p, parent, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return Posted{}, err
	}
	return Posted{Posted: res.Events[0].(comments.CommentPosted), Position: res.Append.Position}, nil
}

// Change is an edit, a media link, a deletion or a pin of one comment.
type Change struct {
	Actor     access.Actor
	CommentID int64
	// One of: Content (edit), MediaKind+MediaURL, Delete, Pin.
	Content   *string
	MediaKind string
	MediaURL  string
	Delete    bool
	Pin       *bool
	Meta      eventlog.Metadata
}

// Change decides the change on the comment's stream with the version read.
func (h *Handlers) Change(ctx context.Context, cmd Change) (Result, error) {
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, comments.CommentStream(cmd.CommentID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		c := comments.CommentFrom(history)
		switch {
		case cmd.Delete:
			e, err := comments.Delete(c, cmd.Actor, now)
			if err != nil {
				return nil, err
			}
			return []eventlog.Event{e}, nil
		case cmd.Pin != nil:
			e, err := comments.Pin(c, cmd.Actor, *cmd.Pin, now)
			if err != nil || e == nil {
				return nil, err
			}
			return []eventlog.Event{*e}, nil
		case cmd.MediaKind != "":
			e, err := comments.AddMedia(c, cmd.Actor, cmd.MediaKind, cmd.MediaURL, now)
			if err != nil {
				return nil, err
			}
			return []eventlog.Event{e}, nil
		case cmd.Content != nil:
			e, err := comments.Edit(c, cmd.Actor, *cmd.Content, now)
			if err != nil || e == nil {
				return nil, err
			}
			return []eventlog.Event{*e}, nil
		}
		return nil, nil
	})
	return Result{Position: res.Append.Position}, err
}

// Like is a user's like or unlike of a comment (POST /comments/{id}/like/).
type Like struct {
	Actor     access.Actor
	CommentID int64
	Meta      eventlog.Metadata
}

// Liked tells whether the user likes the comment now.
type Liked struct {
	Liked    bool
	Position eventlog.Position
}

// Like toggles the user's like of an existing comment.
func (h *Handlers) Like(ctx context.Context, cmd Like) (Liked, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return Liked{}, err
	}
	now := h.now(&cmd.Meta)
	c, err := h.load(ctx, cmd.CommentID)
	if err != nil {
		return Liked{}, err
	}
	if !c.Exists() {
		return Liked{}, comments.ErrCommentNotFound
	}
	var liked bool
	res, err := h.runner.ExecuteLast(ctx, comments.LikeStream(cmd.CommentID, uid), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var e eventlog.Event
		e, liked = comments.ToggleLike(last, cmd.CommentID, uid, now)
		return []eventlog.Event{e}, nil
	})
	return Liked{Liked: liked, Position: res.Append.Position}, err
}
