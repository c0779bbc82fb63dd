package cards

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
)

// AddCard is POST /api/card/cards/: a request to add a card to a batch. Every
// batch generates all of its cards when it is created, so an existing batch is
// always full (BATCH_FULL); cards come from creating batches.
type AddCard struct {
	Actor   access.Actor
	BatchID int64
	Meta    eventlog.Metadata
}

// AddCardResult would be where an added card's events landed; no card is
// ever added, so it is only returned with an error.
type AddCardResult struct {
	Position eventlog.Position
}

// AddCard never appends anything: it answers why the card cannot be added.
func (h *Handlers) AddCard(ctx context.Context, cmd AddCard) (AddCardResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return AddCardResult{}, err
	}
	b, _, err := h.loadBatch(ctx, cmd.BatchID)
	if err != nil {
		return AddCardResult{}, err
	}
	return AddCardResult{}, b.AddCard()
}
