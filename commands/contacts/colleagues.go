package contacts

import (
	"context"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/domain/eventlog"
)

// SetColleague is a member of the staff adding (POST /friends/{id}/) or
// removing (DELETE) another user as a colleague. The HTTP layer checks that
// the colleague is an active member (their entry is listed).
type SetColleague struct {
	Actor       access.Actor
	ColleagueID int64
	Meta        eventlog.Metadata
}

// ColleagueResult says whether the command changed the relation and where its
// event landed (zero position: nothing changed).
type ColleagueResult struct {
	Changed  bool
	Position eventlog.Position
}

// AddColleague appends ColleagueAdded unless the colleague already is one.
func (h *Handlers) AddColleague(ctx context.Context, cmd SetColleague) (ColleagueResult, error) {
	return h.setColleague(ctx, cmd, true)
}

// RemoveColleague appends ColleagueRemoved unless the user is no colleague.
func (h *Handlers) RemoveColleague(ctx context.Context, cmd SetColleague) (ColleagueResult, error) {
	return h.setColleague(ctx, cmd, false)
}

func (h *Handlers) setColleague(ctx context.Context, cmd SetColleague, add bool) (ColleagueResult, error) {
	uid, err := handling.RequireMember(ctx, h.members, cmd.Actor)
	if err != nil {
		return ColleagueResult{}, err
	}
	if add && uid == cmd.ColleagueID {
		return ColleagueResult{}, contacts.ErrSelfColleague
	}
	h.now(&cmd.Meta)
	now := cmd.Meta.OccurredAt
	res, err := h.runner.ExecuteLast(ctx, contacts.ColleagueStream(uid, cmd.ColleagueID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		is := last != nil && contacts.IsColleague(last.Event)
		if add {
			e, err := contacts.AddColleague(is, uid, cmd.ColleagueID, now)
			if err != nil || e == nil {
				return nil, err
			}
			return []eventlog.Event{*e}, nil
		}
		if e := contacts.RemoveColleague(is, uid, cmd.ColleagueID, now); e != nil {
			return []eventlog.Event{*e}, nil
		}
		return nil, nil
	})
	if err != nil {
		return ColleagueResult{}, err
	}
	return ColleagueResult{Changed: len(res.Events) > 0, Position: res.Append.Position}, nil
}
