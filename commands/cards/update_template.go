package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// UpdateTemplate changes a template (admin only). Full is PUT (name and
// category required); otherwise only the given fields change (PATCH).
type UpdateTemplate struct {
	Actor      access.Actor
	TemplateID int64
	Input      cards.TemplateInput
	Full       bool
	Meta       eventlog.Metadata
}

// UpdateTemplate appends TemplateUpdated.
func (h *Handlers) UpdateTemplate(ctx context.Context, cmd UpdateTemplate) (TemplateResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return TemplateResult{}, err
	}
	now := h.now(&cmd.Meta)
	var after cards.Template
	res, err := h.runner.Execute(ctx, cards.TemplateStream(cmd.TemplateID), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		evs := events(history)
		decided, err := cards.TemplateFrom(evs).Update(cmd.Input, cmd.Full, now)
		after = cards.TemplateFrom(append(evs, decided...))
		return decided, err
	})
	if err != nil {
		return TemplateResult{}, err
	}
	return TemplateResult{Template: after, Position: res.Append.Position}, nil
}
