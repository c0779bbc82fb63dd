// Package guides holds the command handlers of 001's service guides: one
// file per command. Categories and guides are decided on their own streams
// (guidecategory-<id>, guide-<id>) from the stream's last event; a user's
// e-mail requests on guidemail-<user id>, whose last event carries the
// user's requests of the last hour, so the hourly limit holds under any
// concurrency (appends expect the exact version read).
package guides

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Handlers executes the guide commands.
type Handlers struct {
	runner *handling.Runner
	seqs   *handling.Runner
	mails  *handling.Runner
	store  handling.EventStore
	clock  Clock
}

// New returns the handlers.
func New(runner *handling.Runner, clock Clock) *Handlers {
	store := runner.Store()
	return &Handlers{
		runner: runner,
		seqs:   handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		mails:  handling.NewRunner(store, handling.Config{MaxAttempts: 200, Backoff: 2 * time.Millisecond}),
		store:  store,
		clock:  clock,
	}
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

func (h *Handlers) allocate(ctx context.Context, name string, meta eventlog.Metadata) (int64, error) {
	a, err := h.seqs.AllocateIDs(ctx, name, 1, "", meta)
	if err != nil {
		return 0, err
	}
	return a.First, nil
}

// loadCategory returns a category's state from its stream's last event.
func (h *Handlers) loadCategory(ctx context.Context, id int64) (guides.Category, error) {
	last, _, err := h.store.LoadLast(ctx, guides.CategoryStream(id))
	if err != nil || last == nil {
		return guides.Category{}, err
	}
	return guides.CategoryFrom(last.Event), nil
}

// loadGuide returns a guide's state from its stream's last event.
func (h *Handlers) loadGuide(ctx context.Context, id int64) (guides.Guide, error) {
	last, _, err := h.store.LoadLast(ctx, guides.GuideStream(id))
	if err != nil || last == nil {
		return guides.Guide{}, err
	}
	return guides.GuideFrom(last.Event), nil
}

// requireCategory checks that a guide's category exists.
func (h *Handlers) requireCategory(ctx context.Context, id int64) error {
	c, err := h.loadCategory(ctx, id)
	if err != nil {
		return fmt.Errorf("load guide category %d: %w", id, err)
	}
	if !c.Exists() {
		return guides.ErrNoSuchCategory(id)
	}
	return nil
}

// Result is where a command's events landed (the zero position when nothing
// changed).
type Result struct {
	Position eventlog.Position
}
