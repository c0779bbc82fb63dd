// Package forum holds the command handlers of 004's community: posts on
// forumpost-<id>, comments on travelcomment-<id> and likes on one stream per
// subject and user (travellike-…, travelcommentlike-…), each decided from
// its stream's last event with the exact version read, so a like counts once
// per user under any concurrency. One file per command.
package forum

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/forum"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Subjects tells whether an album or long-image job exists and may be
// commented on and liked (the albums commands); posts are the forum's own.
type Subjects interface {
	SubjectExists(ctx context.Context, s forum.Subject, id int64) (bool, error)
}

// Handlers executes the forum commands.
type Handlers struct {
	runner   *handling.Runner
	seqs     *handling.Runner
	store    handling.EventStore
	clock    Clock
	subjects Subjects
}

// New returns the handlers; subjects may be nil (then only posts can be
// commented on and liked).
func New(runner *handling.Runner, clock Clock, subjects Subjects) *Handlers {
	store := runner.Store()
	return &Handlers{
		runner:   runner,
		seqs:     handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store:    store,
		clock:    clock,
		subjects: subjects,
	}
}

// Result is where a command's events landed (the zero position when nothing
// changed) and the id it made, if any.
type Result struct {
	ID       int64
	Position eventlog.Position
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

func (h *Handlers) allocate(ctx context.Context, name string, meta eventlog.Metadata) (int64, error) {
	a, err := h.seqs.AllocateIDs(ctx, name, 1, "", meta)
	if err != nil {
		return 0, fmt.Errorf("allocate %s id: %w", name, err)
	}
	return a.First, nil
}

func (h *Handlers) loadPost(ctx context.Context, id int64) (forum.Post, error) {
	last, _, err := h.store.LoadLast(ctx, forum.PostStream(id))
	if err != nil {
		return forum.Post{}, fmt.Errorf("load post %d: %w", id, err)
	}
	if last == nil {
		return forum.Post{}, nil
	}
	return forum.PostFrom(last.Event), nil
}

func (h *Handlers) loadComment(ctx context.Context, id int64) (forum.Comment, error) {
	last, _, err := h.store.LoadLast(ctx, forum.CommentStream(id))
	if err != nil {
		return forum.Comment{}, fmt.Errorf("load comment %d: %w", id, err)
	}
	if last == nil {
		return forum.Comment{}, nil
	}
	return forum.CommentFrom(last.Event), nil
}

// subjectExists tells whether a subject may be commented on and liked.
func (h *Handlers) subjectExists(ctx context.Context, s forum.Subject, id int64) (bool, error) {
	if s == forum.SubjectPost {
		p, err := h.loadPost(ctx, id)
		return p.Exists(), err
	}
	if h.subjects == nil || !s.Valid() {
		return false, nil
	}
	ok, err := h.subjects.SubjectExists(ctx, s, id)
	if err != nil {
		return false, fmt.Errorf("%s %d: %w", s, id, err)
	}
	return ok, nil
}

func lastEvent(last *eventlog.Envelope) eventlog.Event {
	if last == nil {
		return nil
	}
	return last.Event
}
