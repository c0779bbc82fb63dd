package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// DeleteTemplate hides a template (admin only). Its history stays, and so do
// the batches made from it and their cards.
type DeleteTemplate struct {
	Actor      access.Actor
	TemplateID int64
	Meta       eventlog.Metadata
}

// DeleteTemplate appends TemplateDeleted.
func (h *Handlers) DeleteTemplate(ctx context.Context, cmd DeleteTemplate) (DeleteResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return DeleteResult{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, cards.TemplateStream(cmd.TemplateID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		return cards.TemplateFrom(events(history)).Delete(now)
	})
	if err != nil {
		return DeleteResult{}, err
	}
	return DeleteResult{Position: res.Append.Position}, nil
}
