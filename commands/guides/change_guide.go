package guides

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
)

// ChangeGuide is an admin editing a guide: a new title, category or file
// (PUT replaces the file; PATCH changes what it sends).
type ChangeGuide struct {
	Actor   access.Actor
	GuideID int64
	Edit    guides.Edit
	Meta    eventlog.Metadata
}

// ChangeGuide appends GuideChanged with the guide's new state; an edit that
// changes nothing appends nothing. A new category must exist.
func (h *Handlers) ChangeGuide(ctx context.Context, cmd ChangeGuide) (GuideResult, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return GuideResult{}, err
	}
	now := h.now(&cmd.Meta)
	cmd.Edit.By = by
	if cmd.Edit.CategoryID != nil {
		if err := h.requireCategory(ctx, *cmd.Edit.CategoryID); err != nil {
			return GuideResult{}, err
		}
	}
	var g guides.Guide
	res, err := h.runner.ExecuteLast(ctx, guides.GuideStream(cmd.GuideID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		g = guides.Guide{}
		if last != nil {
			g = guides.GuideFrom(last.Event)
		}
		changed, err := guides.ChangeGuide(g, cmd.Edit, now)
		if err != nil || changed == nil {
			return nil, err
		}
		return []eventlog.Event{*changed}, nil
	})
	if err != nil {
		return GuideResult{}, err
	}
	if len(res.Events) == 0 {
		return GuideResult{Guide: g}, nil
	}
	return GuideResult{Guide: guides.GuideFrom(res.Events[0]), Position: res.Append.Position}, nil
}

// RemoveGuide is an admin removing a guide.
type RemoveGuide struct {
	Actor   access.Actor
	GuideID int64
	Meta    eventlog.Metadata
}

// RemoveGuide appends GuideRemoved.
func (h *Handlers) RemoveGuide(ctx context.Context, cmd RemoveGuide) (Result, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLast(ctx, guides.GuideStream(cmd.GuideID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var g guides.Guide
		if last != nil {
			g = guides.GuideFrom(last.Event)
		}
		removed, err := guides.RemoveGuide(g, by, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{removed}, nil
	})
	return Result{Position: res.Append.Position}, err
}
