// Package repairs holds the command handlers of 001's repair requests: one
// file per command. The configuration (categories and notified addresses)
// is decided on the one stream repairsetup-hhu, folded and appended with the
// exact version read; a request on its own stream repair-<id>, with the
// addresses to notify resolved from the configuration as it is then.
package repairs

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/repairs"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Membership tells whether a user is on 001's staff (queries/contacts
// IsMember): only members and administrators file repair requests, which
// mail the college's maintenance mailboxes.
type Membership = handling.Membership

// Handlers executes the repair commands.
type Handlers struct {
	runner  *handling.Runner
	seqs    *handling.Runner
	store   handling.EventStore
	clock   Clock
	members Membership
}

// New returns the handlers; members decides who may request repairs.
// Status changes and configuration edits retry more than the default:
// admins may edit at once.
func New(runner *handling.Runner, clock Clock, members Membership) *Handlers {
	store := runner.Store()
	return &Handlers{
		runner:  handling.NewRunner(store, handling.Config{MaxAttempts: 200, Backoff: 2 * time.Millisecond}),
		seqs:    handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store:   store,
		clock:   clock,
		members: members,
	}
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// Result is where a command's events landed (the zero position when nothing
// changed).
type Result struct {
	Position eventlog.Position
}

// onSetup decides on the configuration stream: decide gets the folded setup
// and returns the event to append (nil: nothing).
func (h *Handlers) onSetup(ctx context.Context, meta eventlog.Metadata, decide func(repairs.Setup) (eventlog.Event, error)) (eventlog.Event, eventlog.Position, error) {
	res, err := h.runner.Execute(ctx, repairs.SetupStream, meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := decide(repairs.SetupFrom(history))
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return nil, eventlog.Position{}, err
	}
	if len(res.Events) == 0 {
		return nil, eventlog.Position{}, nil
	}
	return res.Events[0], res.Append.Position, nil
}

// loadSetup folds the configuration stream.
func (h *Handlers) loadSetup(ctx context.Context) (repairs.Setup, error) {
	history, _, err := h.store.Load(ctx, repairs.SetupStream)
	if err != nil {
		return repairs.Setup{}, fmt.Errorf("load repair setup: %w", err)
	}
	return repairs.SetupFrom(history), nil
}
