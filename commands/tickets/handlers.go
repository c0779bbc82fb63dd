// Package tickets holds the command handlers of 003's tickets (Magpie): one
// file per command. Places and clusters are decided on the one setup
// stream; a user's roles on their casting stream; a ticket, its files and
// its comments on the ticket's stream. Who may act on a ticket is decided
// from the actor's casting stream as the log has it, so a role's activation
// takes effect at once.
package tickets

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/tickets"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Handlers executes the ticket commands.
type Handlers struct {
	runner *handling.Runner
	seqs   *handling.Runner
	store  handling.EventStore
	clock  Clock
}

// New returns the handlers. Setup edits and ticket changes retry more than
// the default: admins and officials may edit at once.
func New(runner *handling.Runner, clock Clock) *Handlers {
	store := runner.Store()
	return &Handlers{
		runner: handling.NewRunner(store, handling.Config{MaxAttempts: 200, Backoff: 2 * time.Millisecond}),
		seqs:   handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store:  store,
		clock:  clock,
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

func (h *Handlers) loadSetup(ctx context.Context) (tickets.Setup, error) {
	history, _, err := h.store.Load(ctx, tickets.SetupStream)
	if err != nil {
		return tickets.Setup{}, fmt.Errorf("load magpie setup: %w", err)
	}
	return tickets.SetupFrom(history), nil
}

func (h *Handlers) loadCasting(ctx context.Context, userID int64) (tickets.Casting, error) {
	history, _, err := h.store.Load(ctx, tickets.CastingStream(userID))
	if err != nil {
		return tickets.Casting{}, fmt.Errorf("load casting of %d: %w", userID, err)
	}
	return tickets.CastingFrom(userID, history), nil
}

// viewer is the actor as the ticket rules see them (a user with their roles).
func (h *Handlers) viewer(ctx context.Context, a access.Actor) (tickets.Viewer, error) {
	if a.System {
		return tickets.Viewer{Admin: true}, nil
	}
	id, err := a.User()
	if err != nil {
		return tickets.Viewer{}, err
	}
	c, err := h.loadCasting(ctx, id)
	if err != nil {
		return tickets.Viewer{}, err
	}
	return tickets.Viewer{UserID: id, Admin: a.Admin, Casting: c}, nil
}

// onSetup decides on the setup stream.
func (h *Handlers) onSetup(ctx context.Context, meta eventlog.Metadata, decide func(tickets.Setup) (eventlog.Event, error)) (eventlog.Event, eventlog.Position, error) {
	res, err := h.runner.Execute(ctx, tickets.SetupStream, meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := decide(tickets.SetupFrom(history))
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil || len(res.Events) == 0 {
		return nil, eventlog.Position{}, err
	}
	return res.Events[0], res.Append.Position, nil
}

// onTicket decides on a ticket's stream with the folded ticket.
func (h *Handlers) onTicket(ctx context.Context, id int64, meta eventlog.Metadata, decide func(tickets.Ticket) ([]eventlog.Event, error)) (handling.Result, error) {
	return h.runner.Execute(ctx, tickets.TicketStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		t := tickets.TicketFrom(history)
		if !t.Exists() {
			return nil, tickets.ErrTicketNotFound
		}
		return decide(t)
	})
}
