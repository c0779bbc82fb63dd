package cards

import "context"

// AddCard is POST /api/card/cards/: a request to add a card to a batch. Every
// batch generates all of its cards when it is created, so an existing batch is
// always full (BATCH_FULL); cards come from creating batches.
type AddCard struct {
	Actor   Actor
	BatchID int64
}

// AddCard never appends anything: it answers why the card cannot be added.
func (h *Handlers) AddCard(ctx context.Context, cmd AddCard) error {
	if err := requireAdmin(cmd.Actor); err != nil {
		return err
	}
	b, _, err := h.loadBatch(ctx, cmd.BatchID)
	if err != nil {
		return err
	}
	return b.AddCard()
}
