package cards

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// CreateTemplate asks for a new card template (admin only).
type CreateTemplate struct {
	Actor access.Actor
	Input cards.TemplateInput
	Meta  eventlog.Metadata
}

// TemplateResult is a template after a command and where its events landed.
type TemplateResult struct {
	Template cards.Template
	Position eventlog.Position
}

// CreateTemplate validates the template, takes its id from the "cardtemplate"
// sequence and appends TemplateCreated to cardtemplate-<id>.
func (h *Handlers) CreateTemplate(ctx context.Context, cmd CreateTemplate) (TemplateResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return TemplateResult{}, err
	}
	now := h.now(&cmd.Meta)
	spec, err := cards.NewTemplateSpec(cmd.Input)
	if err != nil {
		return TemplateResult{}, err
	}
	ids, err := h.allocate(ctx, cards.TemplateSequence, 1, "", cmd.Meta)
	if err != nil {
		return TemplateResult{}, err
	}
	id := ids.First
	res, err := h.runner.Execute(ctx, cards.TemplateStream(id), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, fmt.Errorf("template %d already exists", id)
		}
		return []eventlog.Event{cards.CreateTemplate(id, spec, now)}, nil
	})
	if err != nil {
		return TemplateResult{}, err
	}
	return TemplateResult{Template: cards.TemplateFrom(res.Events), Position: res.Append.Position}, nil
}
