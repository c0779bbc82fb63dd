package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// DeleteTemplate hides a template (admin only). Its history stays, and so do
// the batches made from it and their cards.
type DeleteTemplate struct {
	Actor      Actor
	TemplateID int64
	Meta       eventlog.Metadata
}

// DeleteTemplate appends TemplateDeleted.
func (h *Handlers) DeleteTemplate(ctx context.Context, cmd DeleteTemplate) (eventlog.Position, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.Execute(ctx, cards.TemplateStream(cmd.TemplateID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		return cards.TemplateFrom(events(history)).Delete(now)
	})
	return res.Append.Position, err
}
