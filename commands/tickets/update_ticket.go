package tickets

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/tickets"
)

// UpdateTicket is a PATCH of a ticket (PATCH /api/lastest/ticket/{id}/).
type UpdateTicket struct {
	Actor    access.Actor
	TicketID int64
	Patch    tickets.Patch
	Meta     eventlog.Metadata
}

// UpdateTicket loads the actor's roles and, when a principal is named,
// theirs, then decides the change on the ticket's stream (the version read
// expected, so concurrent changes form one chain of statuses).
func (h *Handlers) UpdateTicket(ctx context.Context, cmd UpdateTicket) (Result, error) {
	v, err := h.viewer(ctx, cmd.Actor)
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	setup, err := h.loadSetup(ctx)
	if err != nil {
		return Result{}, err
	}
	var principal tickets.Casting
	if p := cmd.Patch.PrincipalID; p != nil && *p > 0 {
		if principal, err = h.loadCasting(ctx, *p); err != nil {
			return Result{}, err
		}
	}
	res, err := h.onTicket(ctx, cmd.TicketID, cmd.Meta, func(t tickets.Ticket) ([]eventlog.Event, error) {
		p := cmd.Patch
		p.PrincipalCovers = principal.Covers(t.VillageID, t.AreaID)
		return tickets.UpdateTicket(setup, t, v, p, now)
	})
	return Result{Position: res.Append.Position}, err
}

// SaveFile is the app reporting a file uploaded (PATCH
// /api/lastest/file/{id}/ {save_done: true}), after the edge checked its
// bytes in storage.
type SaveFile struct {
	Actor       access.Actor
	TicketID    int64
	FileID      int64
	Size        int64
	ContentType string
	Meta        eventlog.Metadata
}

// SaveFile appends TicketFileSaved (nothing when it was saved before).
func (h *Handlers) SaveFile(ctx context.Context, cmd SaveFile) (Result, error) {
	v, err := h.viewer(ctx, cmd.Actor)
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.onTicket(ctx, cmd.TicketID, cmd.Meta, func(t tickets.Ticket) ([]eventlog.Event, error) {
		e, err := tickets.SaveFile(t, v, cmd.FileID, cmd.Size, cmd.ContentType, now)
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{*e}, nil
	})
	return Result{Position: res.Append.Position}, err
}

// DiscardFile is the cleanup job removing a file whose upload never
// completed.
type DiscardFile struct {
	TicketID int64
	FileID   int64
	Reason   string
	Meta     eventlog.Metadata
}

// DiscardFile appends TicketFileDiscarded (nothing when the file was saved
// or discarded meanwhile); discarded reports whether it was appended.
func (h *Handlers) DiscardFile(ctx context.Context, cmd DiscardFile) (discarded bool, err error) {
	now := h.now(&cmd.Meta)
	res, err := h.onTicket(ctx, cmd.TicketID, cmd.Meta, func(t tickets.Ticket) ([]eventlog.Event, error) {
		if e := tickets.DiscardFile(t, cmd.FileID, cmd.Reason, now); e != nil {
			return []eventlog.Event{*e}, nil
		}
		return nil, nil
	})
	return len(res.Events) > 0, err
}

// AddComment is a comment on a ticket (POST /api/lastest/comment/).
type AddComment struct {
	Actor    access.Actor
	TicketID int64
	Content  string
	Meta     eventlog.Metadata
}

// CommentResult is the comment and where it landed.
type CommentResult struct {
	Comment  tickets.TicketCommentAdded
	Position eventlog.Position
}

// AddComment checks the rules once, takes an id from "ticketcomment" and
// appends TicketCommentAdded to the ticket's stream.
func (h *Handlers) AddComment(ctx context.Context, cmd AddComment) (CommentResult, error) {
	v, err := h.viewer(ctx, cmd.Actor)
	if err != nil {
		return CommentResult{}, err
	}
	now := h.now(&cmd.Meta)
	history, _, err := h.store.Load(ctx, tickets.TicketStream(cmd.TicketID))
	if err != nil {
		return CommentResult{}, err
	}
	if _, err := tickets.AddComment(tickets.TicketFrom(history), v, 0, cmd.Content, now); err != nil {
		return CommentResult{}, err
	}
	ids, err := h.seqs.AllocateIDs(ctx, tickets.CommentSequence, 1, tickets.TicketStream(cmd.TicketID), cmd.Meta)
	if err != nil {
		return CommentResult{}, err
	}
	res, err := h.onTicket(ctx, cmd.TicketID, cmd.Meta, func(t tickets.Ticket) ([]eventlog.Event, error) {
		e, err := tickets.AddComment(t, v, ids.First, cmd.Content, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return CommentResult{}, err
	}
	return CommentResult{Comment: res.Events[0].(tickets.TicketCommentAdded), Position: res.Append.Position}, nil
}
